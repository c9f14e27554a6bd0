import type { Expression, ExpressionBuilder, Kysely, SiteDatabase, SqlBool } from '@siteport/db';
import type { ClientStatus } from '@siteport/protocol';
import { type ClientRecord, toRecord } from '../client-repository.js';
import type { ClientFilters } from './client-list-query.js';

/** The filters the database evaluates (the channel is notification presence, held in memory). */
export type StoredFilters = Omit<ClientFilters, 'channel'> & {
  /** With `activity`: the start of the active window. */
  activeSince?: string;
};

type Count = number | string | bigint;

/** Rows one slice of the activity pass reads (a few milliseconds of SQLite's thread). */
export const ACTIVITY_SLICE = 5000;

/** What one pass over a site's rows tells: activity, never seen, and the last request ports. */
export interface ActivityCounts {
  /** Seen at or after the start of the active window. */
  active: number;
  /** Status active and seen since then (the site view's active clients). */
  activeServed: number;
  never: number;
  byPort: { protocol: 'http' | 'https'; port: number; clients: number }[];
}

/** One group of the activity pass: clients with the same last request port (null: never seen). */
export interface ActivityGroup {
  last_protocol: 'http' | 'https' | null;
  last_port: number | null;
  n: Count;
  active: Count | null;
  served: Count | null;
}

/** What the site's counts read from the database: {@link ClientPageRepository} or, on SQLite, a read worker. */
export type ClientCountReader = Pick<ClientPageRepository, 'activity' | 'byStatus'>;

/** Sums groups of the activity pass (groups of the same port from several slices add up). */
export function activityOf(groups: Iterable<ActivityGroup>): ActivityCounts {
  const counts: ActivityCounts = { active: 0, activeServed: 0, never: 0, byPort: [] };
  const ports = new Map<string, { protocol: 'http' | 'https'; port: number; clients: number }>();
  for (const g of groups) {
    counts.active += Number(g.active ?? 0);
    counts.activeServed += Number(g.served ?? 0);
    if (g.last_port === null || g.last_protocol === null) {
      counts.never += Number(g.n);
      continue;
    }
    const key = `${g.last_protocol} ${g.last_port}`;
    const entry = ports.get(key) ?? { protocol: g.last_protocol, port: g.last_port, clients: 0 };
    entry.clients += Number(g.n);
    ports.set(key, entry);
  }
  counts.byPort = [...ports.values()].sort(
    (a, b) => b.clients - a.clients || a.port - b.port || a.protocol.localeCompare(b.protocol),
  );
  return counts;
}

/** Counts per registration status from `(status, n)` rows. */
export function byStatusOf(rows: Iterable<{ status: string; n: Count }>): Record<ClientStatus, number> {
  const byStatus: Record<ClientStatus, number> = { active: 0, pending: 0, blocked: 0, retired: 0 };
  for (const row of rows) if (row.status in byStatus) byStatus[row.status as ClientStatus] = Number(row.n);
  return byStatus;
}

/** The WHERE of a page: the site, after the cursor's id, and the filters the database evaluates. */
function conditions(siteCode: string, filters: StoredFilters, afterId: string | undefined) {
  return (eb: ExpressionBuilder<SiteDatabase, 'clients'>): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [eb('site_code', '=', siteCode)];
    if (afterId !== undefined) all.push(eb('id', '>', afterId));
    if (filters.status !== undefined) all.push(eb('status', '=', filters.status));
    if (filters.port !== undefined) all.push(eb('last_port', '=', filters.port));
    if (filters.lastSeenBefore !== undefined) all.push(eb('last_contact_at', '<', filters.lastSeenBefore));
    if (filters.lastSeenAfter !== undefined) all.push(eb('last_contact_at', '>=', filters.lastSeenAfter));
    const since = filters.activeSince;
    if (filters.activity === 'active' && since !== undefined) all.push(eb('last_contact_at', '>=', since));
    if (filters.activity === 'inactive' && since !== undefined)
      all.push(eb.or([eb('last_contact_at', 'is', null), eb('last_contact_at', '<', since)]));
    return eb.and(all);
  };
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
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where(conditions(siteCode, filters, afterId))
      .orderBy('id')
      .limit(count)
      .execute();
    return rows.map(toRecord);
  }

  /** Only the ids of {@link page}: what a filter held in memory scans before it reads whole rows. */
  async pageIds(
    siteCode: string,
    filters: StoredFilters,
    afterId: string | undefined,
    count: number,
  ): Promise<string[]> {
    const rows = await this.db
      .selectFrom('clients')
      .select('id')
      .where(conditions(siteCode, filters, afterId))
      .orderBy('id')
      .limit(count)
      .execute();
    return rows.map((r) => r.id);
  }

  /** These clients of a site, in id order. */
  async byIds(siteCode: string, ids: readonly string[]): Promise<ClientRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('site_code', '=', siteCode)
      .where('id', 'in', [...ids])
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /**
   * A site's clients seen since `activeSince`, never seen, and by last request port: a pass over the
   * site's rows in slices of {@link ACTIVITY_SLICE} in id order, with a turn of the event loop
   * between slices. On SQLite a query holds the process's only thread, and one pass over 100,000
   * rows took about 0.1 s in which no MP request was answered; slices of a few milliseconds let
   * the requests in between (decision 0100).
   */
  async activity(siteCode: string, activeSince: string): Promise<ActivityCounts> {
    const groups: ActivityGroup[] = [];
    let afterId: string | undefined;
    for (;;) {
      const slice = await this.activitySlice(siteCode, activeSince, afterId);
      let rows = 0;
      for (const g of slice) {
        rows += Number(g.n);
        groups.push(g);
        if (afterId === undefined || (g.last_id !== null && g.last_id > afterId)) afterId = g.last_id ?? afterId;
      }
      if (rows < ACTIVITY_SLICE) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return activityOf(groups);
  }

  /** One slice of {@link activity}: the next rows after `afterId`, grouped by the last request port, with the last id of each group. */
  private activitySlice(siteCode: string, activeSince: string, afterId: string | undefined) {
    return this.db
      .selectFrom((db) =>
        db
          .selectFrom('clients')
          .select(['id', 'status', 'last_protocol', 'last_port', 'last_contact_at'])
          .where('site_code', '=', siteCode)
          .$if(afterId !== undefined, (q) => q.where('id', '>', afterId ?? ''))
          .orderBy('id')
          .limit(ACTIVITY_SLICE)
          .as('c'),
      )
      .select((eb) => [
        'c.last_protocol',
        'c.last_port',
        eb.fn.countAll<Count>().as('n'),
        eb.fn.max('c.id').as('last_id'),
        eb.fn
          .sum<Count | null>(eb.case().when('c.last_contact_at', '>=', activeSince).then(1).else(0).end())
          .as('active'),
        eb.fn
          .sum<Count | null>(
            eb
              .case()
              .when(eb.and([eb('c.status', '=', 'active'), eb('c.last_contact_at', '>=', activeSince)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('served'),
      ])
      .groupBy(['c.last_protocol', 'c.last_port'])
      .execute();
  }

  /** Clients per registration status (an index-only count). */
  async byStatus(siteCode: string): Promise<Record<ClientStatus, number>> {
    const rows = await this.db
      .selectFrom('clients')
      .where('site_code', '=', siteCode)
      .select(['status', (eb) => eb.fn.countAll<Count>().as('n')])
      .groupBy('status')
      .execute();
    return byStatusOf(rows);
  }
}
