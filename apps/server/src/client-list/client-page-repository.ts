import type { Kysely, SiteDatabase } from '@siteport/db';
import type { ClientStatus } from '@siteport/protocol';
import { type ClientRecord, toRecord } from '../repositories/client-repository.js';
import type { ClientFilters } from './client-list-query.js';

/** The filters the database evaluates (the channel is notification presence, held in memory). */
export type StoredFilters = Omit<ClientFilters, 'channel'> & {
  /** With `activity`: the start of the active window. */
  activeSince?: string;
};

type Count = number | string | bigint;

/** What the counts endpoint reads from the database. */
export interface StoredCounts {
  byStatus: Record<ClientStatus, number>;
  /** Seen at or after the start of the active window. */
  active: number;
  never: number;
  /** Status active and seen since the start of the active window (the site view's active clients). */
  activeServed: number;
  byPort: { protocol: 'http' | 'https'; port: number; clients: number }[];
}

/**
 * Reads a site's clients a page at a time, in client id order (keyset paging: `id > afterId`), with
 * the filters in the query so the indexes of migration 0012 serve them.
 */
export class ClientPageRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  /** Up to `count` clients of a site after `afterId` that pass the filters, in id order. */
  async page(
    siteCode: string,
    filters: StoredFilters,
    afterId: string | undefined,
    count: number,
  ): Promise<ClientRecord[]> {
    let q = this.db.selectFrom('clients').selectAll().where('site_code', '=', siteCode);
    if (afterId !== undefined) q = q.where('id', '>', afterId);
    if (filters.status !== undefined) q = q.where('status', '=', filters.status);
    if (filters.port !== undefined) q = q.where('last_port', '=', filters.port);
    if (filters.lastSeenBefore !== undefined) q = q.where('last_contact_at', '<', filters.lastSeenBefore);
    if (filters.lastSeenAfter !== undefined) q = q.where('last_contact_at', '>=', filters.lastSeenAfter);
    const since = filters.activeSince;
    if (filters.activity === 'active' && since !== undefined) q = q.where('last_contact_at', '>=', since);
    if (filters.activity === 'inactive' && since !== undefined) {
      q = q.where((eb) => eb.or([eb('last_contact_at', 'is', null), eb('last_contact_at', '<', since)]));
    }
    const rows = await q.orderBy('id').limit(count).execute();
    return rows.map(toRecord);
  }

  /** A site's clients by status, seen since `activeSince`, never seen, and by last request port. */
  async counts(siteCode: string, activeSince: string): Promise<StoredCounts> {
    const site = this.db.selectFrom('clients').where('site_code', '=', siteCode);
    const [statuses, seen, ports] = await Promise.all([
      site
        .select(['status', (eb) => eb.fn.countAll<Count>().as('n')])
        .groupBy('status')
        .execute(),
      site
        .select((eb) => [
          eb.fn
            .sum<Count | null>(eb.case().when('last_contact_at', '>=', activeSince).then(1).else(0).end())
            .as('active'),
          eb.fn.sum<Count | null>(eb.case().when('last_contact_at', 'is', null).then(1).else(0).end()).as('never'),
          eb.fn
            .sum<Count | null>(
              eb
                .case()
                .when(eb.and([eb('status', '=', 'active'), eb('last_contact_at', '>=', activeSince)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('served'),
        ])
        .executeTakeFirstOrThrow(),
      site
        .select(['last_protocol', 'last_port', (eb) => eb.fn.countAll<Count>().as('n')])
        .where('last_port', 'is not', null)
        .groupBy(['last_protocol', 'last_port'])
        .execute(),
    ]);
    const byStatus: Record<ClientStatus, number> = { active: 0, pending: 0, blocked: 0, retired: 0 };
    for (const row of statuses) if (row.status in byStatus) byStatus[row.status as ClientStatus] = Number(row.n);
    return {
      byStatus,
      active: Number(seen.active ?? 0),
      never: Number(seen.never ?? 0),
      activeServed: Number(seen.served ?? 0),
      byPort: ports
        .filter((r) => r.last_port !== null && r.last_protocol !== null)
        .map((r) => ({
          protocol: r.last_protocol as 'http' | 'https',
          port: r.last_port as number,
          clients: Number(r.n),
        }))
        .sort((a, b) => b.clients - a.clients || a.port - b.port || a.protocol.localeCompare(b.protocol)),
    };
  }
}
