import type { Kysely, ManagementPointsTable, SiteDatabase } from '@siteport/db';

/** A row of the MP registry. */
export interface ManagementPointRecord {
  id: string;
  siteCode: string;
  host: string;
  bindAddress: string;
  role: ManagementPointsTable['role'];
  startedAt: string;
  lastSeenAt: string;
  state: ManagementPointsTable['state'];
}

/** Kysely queries of the `management_points` registry. */
export class ManagementPointRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async insert(mp: ManagementPointRecord): Promise<void> {
    await this.db
      .insertInto('management_points')
      .values({
        id: mp.id,
        site_code: mp.siteCode,
        host: mp.host,
        bind_address: mp.bindAddress,
        role: mp.role,
        started_at: mp.startedAt,
        last_seen_at: mp.lastSeenAt,
        state: mp.state,
      })
      .execute();
  }

  /** Records a heartbeat; false when the row is gone (pruned while this process was cut off). */
  async touch(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('management_points')
      .set({ last_seen_at: at, state: 'running' })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markStopped(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('management_points')
      .set({ last_seen_at: at, state: 'stopped' })
      .where('id', '=', id)
      .execute();
  }

  /** Every registered MP of a site, oldest first. */
  async list(siteCode: string): Promise<ManagementPointRecord[]> {
    const rows = await this.db
      .selectFrom('management_points')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      siteCode: r.site_code,
      host: r.host,
      bindAddress: r.bind_address,
      role: r.role,
      startedAt: r.started_at,
      lastSeenAt: r.last_seen_at,
      state: r.state,
    }));
  }

  /** Removes rows last seen before `before` (stopped or dead long ago). */
  async prune(siteCode: string, before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('management_points')
      .where('site_code', '=', siteCode)
      .where('last_seen_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
