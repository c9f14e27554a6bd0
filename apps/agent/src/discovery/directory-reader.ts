import { Client } from 'ldapts';
import {
  DIRECTORY_ATTRIBUTES,
  type PublishedManagementPoint,
  type PublishedSite,
  SiteportError,
  DIRECTORY_MANAGEMENT_POINT_READ_LIMIT,
  containerDn,
  directoryFailure,
  managementPointFilter,
  parseManagementPointEntries,
  parseSiteEntry,
  siteFilter,
} from '@siteport/protocol';
import type { ClientDirectory } from './client-directory.js';

/** A site as a client reads it from the directory. */
export interface DirectorySite {
  site: PublishedSite;
  /** Valid management points of the site, each host once, at most MAX_DIRECTORY_MANAGEMENT_POINTS. */
  managementPoints: PublishedManagementPoint[];
  /** Management point entries left out as invalid (E_DIRECTORY_ENTRY naming each). */
  skipped: SiteportError[];
}

async function baseDnOf(client: Client, directory: ClientDirectory): Promise<string> {
  if (directory.baseDn !== null) return directory.baseDn;
  const { searchEntries } = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['defaultNamingContext', 'namingContexts'],
  });
  const root: Record<string, unknown> = searchEntries[0] ?? {};
  const first = (v: unknown): string | undefined =>
    Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined);
  const dn = first(root.defaultNamingContext) ?? first(root.namingContexts);
  if (dn === undefined || dn === '') {
    throw new SiteportError(
      'E_DIRECTORY_NOT_FOUND',
      `the directory ${directory.url} names no naming context; put the base DN in the URL (ldap://host/dc=example,dc=com)`,
    );
  }
  return dn;
}

/**
 * Reads the site a client belongs to (or, for `AUTO`, the only site published) and its management
 * points. Fails with E_DIRECTORY_NOT_FOUND when the site is not published, and with the codes of
 * {@link directoryFailure} when the directory cannot be read.
 */
export async function readDirectorySite(
  directory: ClientDirectory,
  password: string | null,
  siteCode: string,
  timeoutMs: number,
): Promise<DirectorySite> {
  const what = `reading site ${siteCode} from the directory`;
  const client = new Client({ url: directory.url, timeout: timeoutMs, connectTimeout: timeoutMs });
  try {
    if (directory.bindDn !== null) await client.bind(directory.bindDn, password ?? '');
    const base = containerDn(await baseDnOf(client, directory));
    const attributes = [...Object.values(DIRECTORY_ATTRIBUTES)];
    const { searchEntries } = await client.search(base, {
      scope: 'one',
      filter: siteFilter(siteCode === 'AUTO' ? undefined : siteCode),
      attributes,
      // Two are enough to tell "several sites" from one; a directory listing thousands sends two.
      sizeLimit: 2,
    });
    if (searchEntries.length === 0) {
      throw new SiteportError(
        'E_DIRECTORY_NOT_FOUND',
        `${what}: no siteport site${siteCode === 'AUTO' ? ' is' : ` ${siteCode} is`} published under ${base}; publish it from the site server (siteport directory set) or check SMSSITECODE`,
        {
          details: { url: directory.url },
        },
      );
    }
    if (searchEntries.length > 1) {
      const codes = searchEntries.map((e) => String(e[DIRECTORY_ATTRIBUTES.siteCode])).join(', ');
      throw new SiteportError(
        'E_DIRECTORY_NOT_FOUND',
        `${what}: several sites are published (${codes}); name one with SMSSITECODE=<code>`,
        { details: { url: directory.url } },
      );
    }
    const entry = searchEntries[0]!;
    const site = parseSiteEntry(entry.dn, entry);
    // A hostile or mistaken directory may publish any number of entries: read a bounded number.
    const mps = await client.search(base, {
      scope: 'one',
      filter: managementPointFilter(site.siteCode),
      attributes,
      sizeLimit: DIRECTORY_MANAGEMENT_POINT_READ_LIMIT,
    });
    return { site, ...parseManagementPointEntries(site.siteCode, mps.searchEntries) };
  } catch (error) {
    throw directoryFailure(error, what, directory.url);
  } finally {
    // Closing fails only when the socket is already gone; the lookup's outcome stands.
    await client.unbind().catch(() => undefined);
  }
}
