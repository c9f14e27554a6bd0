import type { Kysely, SiteDatabase } from '@siteport/db';
import type { PushHostsTable, PushSettingsTable } from '@siteport/db';

/** A push settings row as stored (secret still sealed). */
export type PushSettingsRow = PushSettingsTable;
/** A push host row as stored (secret still sealed). */
export type PushHostRow = PushHostsTable;

/** Push settings and the push host inventory. */
export class PushRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async settings(siteCode: string): Promise<PushSettingsRow | undefined> {
    return this.db.selectFrom('push_settings').selectAll().where('site_code', '=', siteCode).executeTakeFirst();
  }

  async saveSettings(row: PushSettingsRow): Promise<void> {
    const rest: Partial<PushSettingsRow> = { ...row };
    delete rest.site_code;
    await this.db
      .insertInto('push_settings')
      .values(row)
      .onConflict((oc) => oc.column('site_code').doUpdateSet(rest))
      .execute();
  }

  async hosts(siteCode: string): Promise<PushHostRow[]> {
    return this.db
      .selectFrom('push_hosts')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('host')
      .orderBy('port')
      .execute();
  }

  async host(id: string): Promise<PushHostRow | undefined> {
    return this.db.selectFrom('push_hosts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findHost(siteCode: string, host: string, port: number): Promise<PushHostRow | undefined> {
    return this.db
      .selectFrom('push_hosts')
      .selectAll()
      .where('site_code', '=', siteCode)
      .where('host', '=', host)
      .where('port', '=', port)
      .executeTakeFirst();
  }

  async insertHost(row: PushHostRow): Promise<void> {
    await this.db.insertInto('push_hosts').values(row).execute();
  }

  async updateHost(id: string, fields: Partial<Omit<PushHostRow, 'id' | 'site_code'>>): Promise<void> {
    await this.db.updateTable('push_hosts').set(fields).where('id', '=', id).execute();
  }

  /** Approved hosts whose next attempt is due: queued or failed with a retry time at or before `now`. Candidates never are. */
  async due(now: string, limit: number): Promise<PushHostRow[]> {
    return this.db
      .selectFrom('push_hosts')
      .selectAll()
      .where('approval', '=', 'approved')
      .where('status', 'in', ['queued', 'failed'])
      .where('next_attempt_at', 'is not', null)
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
  }

  /** After a restart: attempts that were in flight are queued again. */
  async requeueInterrupted(now: string): Promise<number> {
    const result = await this.db
      .updateTable('push_hosts')
      .set({ status: 'queued', next_attempt_at: now, updated_at: now })
      .where('status', 'in', ['connecting', 'copying', 'installing'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
