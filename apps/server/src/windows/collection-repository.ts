import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { WeekDay } from '@siteport/protocol';
import type { CollectionRule } from './collection-rules.js';
import type { WeeklyWindow } from './window-time.js';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A collection as stored, with its windows. */
export interface StoredCollection extends CollectionRule {
  id: string;
  siteCode: string;
  name: string;
  windows: WeeklyWindow[];
  createdAt: string;
  createdBy: string;
}

/** Client collections and their maintenance windows (migration 0017). */
export class CollectionRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  /** A site's collections by name, each with its windows. */
  async list(siteCode: string, db: Db = this.db): Promise<StoredCollection[]> {
    const rows = await db
      .selectFrom('client_collections')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('name')
      .execute();
    if (rows.length === 0) return [];
    const windows = await db
      .selectFrom('maintenance_windows')
      .selectAll()
      .where(
        'collection_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      siteCode: row.site_code,
      name: row.name,
      hostGlob: row.host_glob,
      subnets: JSON.parse(row.subnets) as string[],
      clientIds: JSON.parse(row.client_ids) as string[],
      createdAt: row.created_at,
      createdBy: row.created_by,
      windows: windows
        .filter((w) => w.collection_id === row.id)
        .map((w) => ({
          id: w.id,
          days: w.days.split(',') as WeekDay[],
          start: w.start,
          durationMinutes: w.duration_minutes,
          timeZone: w.time_zone,
        })),
    }));
  }

  async insert(trx: Db, c: StoredCollection): Promise<void> {
    await trx
      .insertInto('client_collections')
      .values({
        id: c.id,
        site_code: c.siteCode,
        name: c.name,
        host_glob: c.hostGlob,
        subnets: JSON.stringify(c.subnets),
        client_ids: JSON.stringify(c.clientIds),
        created_at: c.createdAt,
        created_by: c.createdBy,
      })
      .execute();
  }

  async delete(trx: Db, id: string): Promise<void> {
    await trx.deleteFrom('maintenance_windows').where('collection_id', '=', id).execute();
    await trx.deleteFrom('client_collections').where('id', '=', id).execute();
  }

  async insertWindow(trx: Db, collectionId: string, w: WeeklyWindow, at: string, actor: string): Promise<void> {
    await trx
      .insertInto('maintenance_windows')
      .values({
        id: w.id,
        collection_id: collectionId,
        days: w.days.join(','),
        start: w.start,
        duration_minutes: w.durationMinutes,
        time_zone: w.timeZone,
        created_at: at,
        created_by: actor,
      })
      .execute();
  }

  async deleteWindow(trx: Db, collectionId: string, windowId: string): Promise<boolean> {
    const result = await trx
      .deleteFrom('maintenance_windows')
      .where('collection_id', '=', collectionId)
      .where('id', '=', windowId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
