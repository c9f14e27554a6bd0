import {
  ENTRY_OBJECT_CLASSES,
  type PublishedManagementPoint,
  type PublishedSite,
  containerDn,
  managementPointAttributes,
  managementPointEntryDn,
  managementPointFilter,
  siteAttributes,
  siteEntryDn,
} from '@siteport/protocol';
import { Attribute, Change, type Client, NoSuchObjectError } from 'ldapts';
import { type DirectoryTarget, withDirectory } from './directory-connection.js';

/** Everything one publish writes: where to, the site entry and one entry per management point. */
export interface PublishJob {
  target: DirectoryTarget;
  site: PublishedSite;
  managementPoints: PublishedManagementPoint[];
}

/** The DNs one publish wrote. */
export interface PublishOutcome {
  siteDn: string;
  managementPointDns: string[];
  removedDns: string[];
}

function withoutEmpty(attrs: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(attrs).filter(([, v]) => v.length > 0));
}

/** Modifies an entry in place (replace every attribute) or adds it when it does not exist yet. */
async function upsert(
  client: Client,
  dn: string,
  objectClass: readonly string[],
  attrs: Record<string, string[]>,
): Promise<void> {
  try {
    await client.modify(
      dn,
      Object.entries(attrs).map(
        ([type, values]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) }),
      ),
    );
  } catch (error) {
    if (!(error instanceof NoSuchObjectError)) throw error;
    const cn = dn.slice(3, dn.indexOf(','));
    await client.add(dn, { objectClass: [...objectClass], cn, ...withoutEmpty(attrs) });
  }
}

async function existingManagementPoints(client: Client, baseDn: string, siteCode: string): Promise<string[]> {
  const { searchEntries } = await client.search(containerDn(baseDn), {
    scope: 'one',
    filter: managementPointFilter(siteCode),
    attributes: ['dn'],
  });
  return searchEntries.map((e) => e.dn);
}

/** Container must exist (the one-time step creates it); its absence is E_DIRECTORY_NOT_FOUND. */
async function requireContainer(client: Client, baseDn: string): Promise<void> {
  await client.search(containerDn(baseDn), { scope: 'base', filter: '(objectClass=*)', attributes: ['dn'] });
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Writes the site entry and its management point entries, and removes entries of management
 * points the site no longer has. Idempotent: running it twice leaves the same entries.
 */
export function publishSite(job: PublishJob, timeoutMs: number): Promise<PublishOutcome> {
  return withDirectory(job.target, `publishing site ${job.site.siteCode}`, timeoutMs, async (client, baseDn) => {
    await requireContainer(client, baseDn);
    const siteDn = siteEntryDn(baseDn, job.site.siteCode);
    await upsert(client, siteDn, ENTRY_OBJECT_CLASSES.site, siteAttributes(job.site));
    const wanted = job.managementPoints.map((mp) => managementPointEntryDn(baseDn, mp.siteCode, mp.host));
    for (const [i, mp] of job.managementPoints.entries()) {
      await upsert(client, wanted[i]!, ENTRY_OBJECT_CLASSES.managementPoint, managementPointAttributes(mp));
    }
    const removedDns: string[] = [];
    for (const dn of await existingManagementPoints(client, baseDn, job.site.siteCode)) {
      if (wanted.some((w) => same(w, dn))) continue;
      await client.del(dn);
      removedDns.push(dn);
    }
    return { siteDn, managementPointDns: wanted, removedDns };
  });
}

/** Removes a site's entry and all its management point entries; entries already gone are fine. */
export function unpublishSite(target: DirectoryTarget, siteCode: string, timeoutMs: number): Promise<string[]> {
  return withDirectory(target, `unpublishing site ${siteCode}`, timeoutMs, async (client, baseDn) => {
    const removed: string[] = [];
    for (const dn of [...(await existingManagementPoints(client, baseDn, siteCode)), siteEntryDn(baseDn, siteCode)]) {
      try {
        await client.del(dn);
        removed.push(dn);
      } catch (error) {
        if (!(error instanceof NoSuchObjectError)) throw error;
      }
    }
    return removed;
  });
}
