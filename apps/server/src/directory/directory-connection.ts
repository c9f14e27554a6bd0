import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import { SiteportError, directoryFailure } from '@siteport/protocol';

/** Where and as whom to talk to a directory. */
export interface DirectoryTarget {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  /** Null: read `defaultNamingContext` (AD) or the first `namingContexts` (OpenLDAP) from the root DSE. */
  baseDn: string | null;
  bindDn: string | null;
  password: string | null;
  /** Upgrade the `ldap://` connection with StartTLS before anything else is sent. */
  startTls: boolean;
  /** PEM of the CA(s) that verify the directory's certificate; null: Node.js's default trust store. */
  ca: string | null;
}

/** TLS options for `ldaps://` and StartTLS: the certificate must chain to `ca` and name the URL's host. */
function tlsOptions(target: DirectoryTarget): ConnectionOptions {
  const host = new URL(target.url).hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(target.ca === null ? {} : { ca: target.ca }),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
  };
}

/**
 * Opens one LDAP session (connect, StartTLS when asked, simple bind, base DN), runs `work` and
 * always unbinds. Every failure comes out as a SiteportError from {@link directoryFailure} naming `what`.
 */
export async function withDirectory<T>(
  target: DirectoryTarget,
  what: string,
  timeoutMs: number,
  work: (client: Client, baseDn: string) => Promise<T>,
): Promise<T> {
  const tls = tlsOptions(target);
  const client = new Client({
    url: target.url,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    ...(target.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
  });
  try {
    if (target.startTls) await startTls(client, tls, target.url, what);
    if (target.bindDn !== null) await client.bind(target.bindDn, target.password ?? '');
    const baseDn = target.baseDn ?? (await namingContext(client));
    return await work(client, baseDn);
  } catch (error) {
    throw directoryFailure(error, what, target.url);
  } finally {
    // Closing the socket can fail only when it is already gone; the session's outcome stands.
    await client.unbind().catch(() => undefined);
  }
}

async function startTls(client: Client, tls: ConnectionOptions, url: string, what: string): Promise<void> {
  try {
    await client.startTLS(tls);
  } catch (error) {
    const failure = directoryFailure(error, what, url);
    if (failure.code === 'E_DIRECTORY_TLS' || failure.code === 'E_DIRECTORY_UNREACHABLE') throw failure;
    // An LDAP result to the StartTLS request itself: the server does not offer TLS.
    throw new SiteportError(
      'E_DIRECTORY_TLS',
      `${what}: the directory ${url} refused StartTLS (${failure.message}); enable TLS on the directory server or use ldaps://`,
      {
        cause: error,
        details: { url },
      },
    );
  }
}

async function namingContext(client: Client): Promise<string> {
  const { searchEntries } = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['defaultNamingContext', 'namingContexts'],
  });
  const root: Record<string, unknown> = searchEntries[0] ?? {};
  const first = (value: unknown): string | undefined =>
    Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
  const dn = first(root.defaultNamingContext) ?? first(root.namingContexts);
  if (dn === undefined || dn === '')
    throw Object.assign(
      new Error('the root DSE names no naming context; put the base DN in the URL (ldap://host/dc=example,dc=com)'),
      { code: 32 },
    );
  return dn;
}
