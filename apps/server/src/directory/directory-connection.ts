import { Client } from 'ldapts';
import { directoryFailure } from '@siteport/protocol';

/** Where and as whom to talk to a directory. */
export interface DirectoryTarget {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  /** Null: read `defaultNamingContext` (AD) or the first `namingContexts` (OpenLDAP) from the root DSE. */
  baseDn: string | null;
  bindDn: string | null;
  password: string | null;
}

/**
 * Opens one LDAP session (connect, simple bind, base DN), runs `work` and always unbinds. Every
 * failure comes out as a SiteportError from {@link directoryFailure} naming `what`.
 */
export async function withDirectory<T>(
  target: DirectoryTarget,
  what: string,
  timeoutMs: number,
  work: (client: Client, baseDn: string) => Promise<T>,
): Promise<T> {
  const client = new Client({ url: target.url, timeout: timeoutMs, connectTimeout: timeoutMs });
  try {
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

async function namingContext(client: Client): Promise<string> {
  const { searchEntries } = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['defaultNamingContext', 'namingContexts'],
  });
  const root: Record<string, unknown> = searchEntries[0] ?? {};
  const first = (value: unknown): string | undefined => (Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined));
  const dn = first(root.defaultNamingContext) ?? first(root.namingContexts);
  if (dn === undefined || dn === '') throw Object.assign(new Error('the root DSE names no naming context; put the base DN in the URL (ldap://host/dc=example,dc=com)'), { code: 32 });
  return dn;
}
