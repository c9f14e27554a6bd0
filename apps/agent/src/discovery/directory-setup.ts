import { readFileSync } from 'node:fs';
import { SiteportError, isDistinguishedName, parseDirectoryUrl, splitSetupProperties } from '@siteport/protocol';
import type { ClientConfig } from '../client-config.js';
import { runSetup } from '../setup.js';
import { readDirectorySite } from './directory-reader.js';

/** Options of {@link runDirectorySetup}: `siteport setup --directory URL …`. */
export interface DirectorySetupOptions {
  stateDir: string;
  /** Explicit `NAME=VALUE` properties; they win over the published ones. */
  properties: readonly string[];
  httpOnly?: boolean;
  /** `ldap://host[:port][/base DN]`. */
  url: string;
  bindDn?: string;
  /** File holding the bind password (first line). */
  passwordFile?: string;
  dnsDomain?: string;
  /** LDAP timeout. @default 5000 */
  timeoutMs?: number;
}

function readPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SiteportError(
      'E_DIRECTORY_CONFIG',
      `cannot read the directory password file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass a readable file`,
      {
        cause: error,
        details: { field: 'passwordFile' },
      },
    );
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length === 0)
    throw new SiteportError('E_DIRECTORY_CONFIG', `the directory password file ${file} is empty`, {
      details: { field: 'passwordFile' },
    });
  return password;
}

/**
 * Setup of a directory-joined client (the third way of setup): reads the installation properties the site
 * published in the directory, lets explicit properties override them, and installs the client with
 * its directory access so the agent keeps reading the site's ports there. Everything is validated
 * and read before anything is written.
 */
export async function runDirectorySetup(
  options: DirectorySetupOptions,
): Promise<{ config: ClientConfig; published: string[]; properties: string[] }> {
  const location = parseDirectoryUrl(options.url, '--directory');
  if (options.bindDn !== undefined && !isDistinguishedName(options.bindDn)) {
    throw new SiteportError(
      'E_DIRECTORY_CONFIG',
      `--directory-bind-dn must be a DN such as cn=host,dc=example,dc=com, got ${JSON.stringify(options.bindDn)}`,
      { details: { field: 'bindDn' } },
    );
  }
  if (options.bindDn !== undefined && options.passwordFile === undefined) {
    throw new SiteportError('E_DIRECTORY_CONFIG', '--directory-bind-dn needs --directory-password-file FILE', {
      details: { field: 'passwordFile' },
    });
  }
  const password = options.passwordFile === undefined ? null : readPassword(options.passwordFile);
  const explicit = splitSetupProperties(options.properties);
  const settings = { url: location.url, baseDn: location.baseDn, bindDn: options.bindDn ?? null };
  const found = await readDirectorySite(
    settings,
    password,
    explicit.get('SMSSITECODE')?.toUpperCase() ?? 'AUTO',
    options.timeoutMs ?? 5000,
  );
  const merged = new Map(splitSetupProperties(found.site.installProperties));
  for (const [name, value] of explicit) merged.set(name, value);
  const properties = [...merged].map(([name, value]) => `${name}=${value}`);
  const config = runSetup({
    stateDir: options.stateDir,
    properties,
    httpOnly: options.httpOnly ?? false,
    directory: { settings, password },
    ...(options.dnsDomain === undefined ? {} : { dnsDomain: options.dnsDomain }),
  });
  return { config, published: found.site.installProperties, properties };
}
