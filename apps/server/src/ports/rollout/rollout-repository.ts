import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import { OPEN_STATES, type Rollout, type RolloutState } from './rollout-state.js';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;
type Row = Awaited<ReturnType<RolloutRepository['rows']>>[number];

/** One client's pre-flight report: which new endpoints it could reach. */
export interface ProbeResult {
  protocol: 'http' | 'https';
  port: number;
  reachable: boolean;
  error?: string;
  /** Taken from the reachability map, not probed in this pre-flight. */
  fromMap?: boolean;
}

function toRollout(row: Row): Rollout {
  return {
    id: row.id,
    siteCode: row.site_code,
    state: row.state as RolloutState,
    old: JSON.parse(row.old_settings) as Rollout['old'],
    next: JSON.parse(row.new_settings) as Rollout['next'],
    oldVersion: row.old_version,
    newVersion: row.new_version,
    rollbackVersion: row.rollback_version,
    preflight: row.preflight === 1,
    deadline: row.deadline,
    createdAt: row.created_at,
    createdBy: row.created_by,
    committedAt: row.committed_at,
    endedAt: row.ended_at,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as Rollout['outcome']),
    startsAt: row.starts_at,
    timeZone: row.time_zone,
    respectWindows: row.respect_windows === 1,
  };
}

/** Rollouts and pre-flight reports. */
export class RolloutRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  private rows(db: Db, siteCode: string, states?: readonly RolloutState[]) {
    let query = db.selectFrom('rollouts').selectAll().where('site_code', '=', siteCode);
    if (states !== undefined) query = query.where('state', 'in', [...states]);
    return query.orderBy('created_at', 'desc').execute();
  }

  async open(siteCode: string, db: Db = this.db): Promise<Rollout[]> {
    return (await this.rows(db, siteCode, OPEN_STATES)).map(toRollout);
  }

  async list(siteCode: string, limit = 50): Promise<Rollout[]> {
    return (await this.rows(this.db, siteCode)).slice(0, limit).map(toRollout);
  }

  async find(id: string, db: Db = this.db): Promise<Rollout | undefined> {
    const row = await db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRollout(row);
  }

  async insert(trx: Db, r: Rollout): Promise<void> {
    await trx
      .insertInto('rollouts')
      .values({
        id: r.id,
        site_code: r.siteCode,
        state: r.state,
        old_settings: JSON.stringify(r.old),
        new_settings: JSON.stringify(r.next),
        old_version: r.oldVersion,
        new_version: r.newVersion,
        rollback_version: r.rollbackVersion,
        preflight: r.preflight ? 1 : 0,
        deadline: r.deadline,
        created_at: r.createdAt,
        created_by: r.createdBy,
        committed_at: r.committedAt,
        ended_at: r.endedAt,
        outcome: r.outcome === null ? null : JSON.stringify(r.outcome),
        starts_at: r.startsAt,
        time_zone: r.timeZone,
        respect_windows: r.respectWindows ? 1 : 0,
      })
      .execute();
  }

  /** Moves a rollout from `from` to the new fields; false when its state was no longer `from`. */
  async transition(
    trx: Db,
    id: string,
    from: RolloutState,
    fields: Partial<Rollout> & { state: RolloutState },
  ): Promise<boolean> {
    const result = await trx
      .updateTable('rollouts')
      .set({
        state: fields.state,
        ...(fields.newVersion === undefined ? {} : { new_version: fields.newVersion }),
        ...(fields.rollbackVersion === undefined ? {} : { rollback_version: fields.rollbackVersion }),
        ...(fields.committedAt === undefined ? {} : { committed_at: fields.committedAt }),
        ...(fields.endedAt === undefined ? {} : { ended_at: fields.endedAt }),
        ...(fields.outcome === undefined
          ? {}
          : { outcome: fields.outcome === null ? null : JSON.stringify(fields.outcome) }),
      })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async saveProbe(rolloutId: string, clientId: string, at: string, results: readonly ProbeResult[]): Promise<void> {
    await this.db
      .insertInto('probe_reports')
      .values({ rollout_id: rolloutId, client_id: clientId, at, results: JSON.stringify(results) })
      .onConflict((oc) => oc.columns(['rollout_id', 'client_id']).doUpdateSet({ at, results: JSON.stringify(results) }))
      .execute();
  }

  /** Stores results from the reachability map for a client that has not reported itself (never over its own report). */
  async seedProbe(rolloutId: string, clientId: string, at: string, results: readonly ProbeResult[]): Promise<void> {
    await this.db
      .insertInto('probe_reports')
      .values({ rollout_id: rolloutId, client_id: clientId, at, results: JSON.stringify(results) })
      .onConflict((oc) => oc.columns(['rollout_id', 'client_id']).doNothing())
      .execute();
  }

  /** One client's pre-flight results, if any. */
  async probe(rolloutId: string, clientId: string): Promise<ProbeResult[] | undefined> {
    const row = await this.db
      .selectFrom('probe_reports')
      .select('results')
      .where('rollout_id', '=', rolloutId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.results) as ProbeResult[]);
  }

  async probes(rolloutId: string): Promise<Map<string, ProbeResult[]>> {
    const rows = await this.db.selectFrom('probe_reports').selectAll().where('rollout_id', '=', rolloutId).execute();
    return new Map(rows.map((row) => [row.client_id, JSON.parse(row.results) as ProbeResult[]]));
  }
}
