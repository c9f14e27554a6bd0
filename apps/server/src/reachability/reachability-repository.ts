import { type Kysely, type SiteDatabase, type Transaction, sql } from '@siteport/db';
import type { ReachabilityCandidate, ReachabilitySettings } from '@siteport/protocol';
import type { ResultGroup } from './aggregate.js';

/** One stored result: a client's latest test of one port. */
export interface StoredResult {
  clientId: string;
  port: number;
  transport: 'tcp' | 'tls';
  outcome: string;
  subnet: string;
  testedAt: string;
  source: 'agent' | 'preflight';
}

/** The settings a site has until an administrator changes them: every 6 hours, stale after 24, no candidates. */
const DEFAULT_REACHABILITY_SETTINGS: Readonly<ReachabilitySettings> = Object.freeze({
  intervalSeconds: 6 * 3600,
  staleHours: 24,
  candidates: [],
});

/** The reachability map in the site database (migration 0013). */
export class ReachabilityRepository {
  constructor(readonly database: Kysely<SiteDatabase>) {}

  /** Stores each result as the client's latest for its port (one row per client and port). */
  async save(siteCode: string, results: readonly StoredResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.database
      .insertInto('reachability_results')
      .values(
        results.map((r) => ({
          site_code: siteCode,
          client_id: r.clientId,
          port: r.port,
          transport: r.transport,
          outcome: r.outcome,
          subnet: r.subnet,
          tested_at: r.testedAt,
          source: r.source,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['site_code', 'client_id', 'port']).doUpdateSet((eb) => ({
          transport: eb.ref('excluded.transport'),
          outcome: eb.ref('excluded.outcome'),
          subnet: eb.ref('excluded.subnet'),
          tested_at: eb.ref('excluded.tested_at'),
          source: eb.ref('excluded.source'),
        })),
      )
      .execute();
  }

  /** Up to `limit` subnets after `cursor`, in subnet order. */
  async subnets(siteCode: string, limit: number, cursor: string | undefined): Promise<string[]> {
    let query = this.database
      .selectFrom('reachability_results')
      .select('subnet')
      .distinct()
      .where('site_code', '=', siteCode)
      .orderBy('subnet')
      .limit(limit);
    if (cursor !== undefined) query = query.where('subnet', '>', cursor);
    return (await query.execute()).map((r) => r.subnet);
  }

  /** Results of these subnets counted per subnet, port, outcome and freshness (in the database, not row by row). */
  async groups(siteCode: string, subnets: readonly string[], staleBefore: string): Promise<ResultGroup[]> {
    if (subnets.length === 0) return [];
    const stale = sql<number>`case when tested_at < ${staleBefore} then 1 else 0 end`;
    const rows = await this.database
      .selectFrom('reachability_results')
      .select((eb) => [
        'subnet',
        'port',
        'outcome',
        stale.as('stale'),
        eb.fn.countAll().as('clients'),
        eb.fn.max('tested_at').as('last_seen'),
      ])
      .where('site_code', '=', siteCode)
      .where('subnet', 'in', [...subnets])
      .groupBy(['subnet', 'port', 'outcome', stale])
      .execute();
    return rows.map((r) => ({
      subnet: r.subnet,
      port: r.port,
      outcome: r.outcome,
      stale: Number(r.stale) === 1,
      clients: Number(r.clients),
      lastSeen: r.last_seen,
    }));
  }

  /** The latest results of a site's clients for these ports. */
  async forPorts(siteCode: string, ports: readonly number[]): Promise<StoredResult[]> {
    if (ports.length === 0) return [];
    const rows = await this.database
      .selectFrom('reachability_results')
      .selectAll()
      .where('site_code', '=', siteCode)
      .where('port', 'in', [...ports])
      .execute();
    return rows.map((r) => ({
      clientId: r.client_id,
      port: r.port,
      transport: r.transport === 'tls' ? 'tls' : 'tcp',
      outcome: r.outcome,
      subnet: r.subnet,
      testedAt: r.tested_at,
      source: r.source === 'preflight' ? 'preflight' : 'agent',
    }));
  }

  /** The active clients of a site with the address they were last seen from. */
  async activeClients(siteCode: string): Promise<{ id: string; lastAddress: string | null }[]> {
    const rows = await this.database
      .selectFrom('clients')
      .select(['id', 'last_address'])
      .where('site_code', '=', siteCode)
      .where('status', '=', 'active')
      .execute();
    return rows.map((r) => ({ id: r.id, lastAddress: r.last_address }));
  }

  async settings(siteCode: string): Promise<ReachabilitySettings> {
    const row = await this.database
      .selectFrom('reachability_settings')
      .selectAll()
      .where('site_code', '=', siteCode)
      .executeTakeFirst();
    if (row === undefined) return { ...DEFAULT_REACHABILITY_SETTINGS, candidates: [] };
    return {
      intervalSeconds: row.interval_seconds,
      staleHours: row.stale_hours,
      candidates: JSON.parse(row.candidates) as ReachabilityCandidate[],
    };
  }

  /** Stores a site's settings, in `trx` when given (with the audit record of the change). */
  async saveSettings(
    siteCode: string,
    settings: ReachabilitySettings,
    at: string,
    by: string,
    trx: Kysely<SiteDatabase> | Transaction<SiteDatabase> = this.database,
  ): Promise<void> {
    const values = {
      interval_seconds: settings.intervalSeconds,
      stale_hours: settings.staleHours,
      candidates: JSON.stringify(settings.candidates),
      updated_at: at,
      updated_by: by,
    };
    await trx
      .insertInto('reachability_settings')
      .values({ site_code: siteCode, ...values })
      .onConflict((oc) => oc.column('site_code').doUpdateSet(values))
      .execute();
  }
}
