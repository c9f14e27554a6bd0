import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type DirectoryConfigBody, type DirectoryView, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AdminConnectionOptions, AdminClient, withConnectionOptions } from '../admin-client.js';
import { printErrorLine, printJson, printLines } from '../format.js';

interface DirectoryOptions extends AdminConnectionOptions {
  site?: string;
  json?: boolean;
  url?: string;
  bindDn?: string;
  passwordFile?: string;
  startTls?: boolean;
  ldapCaFile?: string;
  property?: string[];
}

async function siteOf(client: AdminClient, options: DirectoryOptions): Promise<string> {
  if (options.site !== undefined) return parseSiteCode(options.site, '--site');
  return (await client.request<{ siteCode: string }>('GET', '/health')).siteCode;
}

/** The directory view as text. */
export function formatDirectory(view: DirectoryView): string[] {
  const p = view.publish;
  const lines = [
    `Site ${view.siteCode}: directory publishing ${view.configured ? `to ${view.url ?? '-'}` : 'is off'}`,
    ...(view.configured
      ? [
          `  base DN:            ${view.baseDn ?? '(from the root DSE)'}`,
          `  bind DN:            ${view.bindDn ?? 'anonymous'}${view.passwordSet ? ' (password set, stored encrypted)' : ''}`,
          `  TLS:                ${view.tls === 'none' ? 'none (clear text)' : `${view.tls}, CA: ${view.tlsCa === 'custom' ? 'the configured certificate' : 'default store'}`}`,
          `  extra properties:   ${view.installProperties.join(' ') || '-'}`,
        ]
      : []),
    `  state:              ${p.state}`,
    `  published version:  ${p.publishedVersion ?? '-'} (site is at version ${p.currentVersion})`,
    `  site entry:         ${p.siteDn ?? '-'}`,
    `  MP entries:         ${p.managementPoints.join('; ') || '-'}`,
    `  last success:       ${p.lastSuccessAt ?? '-'}`,
  ];
  for (const warning of view.warnings) lines.push(`  WARNING:            ${warning}`);
  if (p.lastError !== null)
    lines.push(
      `  last error:         ${p.lastError.code}: ${p.lastError.message} (${p.lastError.at}; ${p.failures} failures, next try ${p.nextRetryAt ?? '-'})`,
    );
  return lines;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function readPassword(file: string): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `cannot read --password-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new SiteportError(
      'E_OPTION',
      `cannot read --ldap-ca-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
}

/** `siteport directory show|set|remove`: a site's directory publishing through the admin API. */
export function register(program: Command): void {
  const directory = program
    .command('directory')
    .description('publish a site to an LDAP directory (OpenLDAP / Active Directory) and see the publish status');

  withConnectionOptions(
    directory
      .command('show')
      .description('show the directory settings and publish status')
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: DirectoryOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<DirectoryView>('GET', `/sites/${await siteOf(client, options)}/directory`);
    if (options.json === true) printJson(view);
    else printLines(formatDirectory(view));
  });

  withConnectionOptions(
    directory
      .command('set')
      .description('configure publishing and publish now; a failed publish is retried and shown by directory show')
      .requiredOption('--url <url>', 'ldap://host[:port][/base DN] or ldaps://…')
      .option('--bind-dn <dn>', 'DN the site server binds as (needs write access to cn=System Management)')
      .option(
        '--password-file <file>',
        'file whose first line is the bind password (kept when omitted; stored encrypted)',
      )
      .option('--start-tls', 'upgrade the ldap:// connection with StartTLS before binding')
      .option(
        '--ldap-ca-file <pem>',
        "CA certificate (PEM) that signed the directory server's certificate (default: the default trust store)",
      )
      .option('--property <NAME=VALUE>', 'extra client installation property to publish (repeatable)', collect)
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: DirectoryOptions) => {
    const body: DirectoryConfigBody = {
      url: options.url ?? '',
      bindDn: options.bindDn ?? null,
      installProperties: options.property ?? [],
    };
    if (options.passwordFile !== undefined) body.password = readPassword(options.passwordFile);
    if (options.startTls === true) body.startTls = true;
    if (options.ldapCaFile !== undefined) body.caCertificate = readCa(options.ldapCaFile);
    const client = await AdminClient.connect(options);
    const view = await client.request<DirectoryView>('PUT', `/sites/${await siteOf(client, options)}/directory`, body);
    if (options.json === true) printJson(view);
    else printLines(formatDirectory(view));
    for (const warning of view.warnings) printErrorLine(`warning: ${warning}`);
    const error = view.publish.lastError;
    if (error !== null)
      printErrorLine(`warning: settings saved, but publishing failed and is retried: ${error.code}: ${error.message}`);
  });

  withConnectionOptions(
    directory
      .command('remove')
      .description("remove the site's entries from the directory and stop publishing")
      .option('--site <code>', "site code (default: the server's own site)")
      .option('--json', 'machine-readable output'),
  ).action(async (options: DirectoryOptions) => {
    const client = await AdminClient.connect(options);
    const view = await client.request<DirectoryView>('DELETE', `/sites/${await siteOf(client, options)}/directory`);
    if (options.json === true) printJson(view);
    else printLines(formatDirectory(view));
  });
}
