import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { WeekDay } from '@siteport/protocol';
import type { CollectionRule, RuleSubject } from './collection-rules.js';
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

/** Whether `error` is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Client collections and their maintenance windows (migration 0017; a name is unique per site). */
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

  /**
   * Locks the site's row until `trx` ends (false: no such site), so changes that check a limit of
   * the site's collections run one after the other, also on PostgreSQL under READ COMMITTED. An
   * update that writes a column with its own value: the same statement on SQLite and PostgreSQL.
   */
  async lockSite(trx: Transaction<SiteDatabase>, siteCode: string): Promise<boolean> {
    const result = await trx
      .updateTable('sites')
      .set((eb) => ({ created_at: eb.ref('created_at') }))
      .where('code', '=', siteCode)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Locks a collection's row until `trx` ends (false: it is gone), for the limit of its windows. */
  async lockCollection(trx: Transaction<SiteDatabase>, id: string): Promise<boolean> {
    const result = await trx
      .updateTable('client_collections')
      .set((eb) => ({ created_at: eb.ref('created_at') }))
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** How many windows a collection has, read inside the transaction that locked it. */
  async windowCount(trx: Transaction<SiteDatabase>, id: string): Promise<number> {
    const row = await trx
      .selectFrom('maintenance_windows')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('collection_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * A site's active clients as rules see them (id, host name, last address), in pages of `size` in
   * id order: each page one short read, where reading every column of 20,000 clients at once held a
   * SQLite server's event loop for 140–270 ms.
   */
  async *subjectPages(siteCode: string, size = 1000): AsyncGenerator<RuleSubject[]> {
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('clients')
        .select(['id', 'hostname', 'last_address'])
        .where('site_code', '=', siteCode)
        .where('status', '=', 'active')
        .where('id', '>', after)
        .orderBy('id')
        .limit(size)
        .execute();
      if (rows.length > 0) yield rows.map((r) => ({ id: r.id, hostname: r.hostname, address: r.last_address }));
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.id;
    }
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
