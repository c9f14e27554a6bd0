import type { Kysely, SiteDatabase } from '@siteport/db';

/** Writes site PS1, a primary with the default intervals, straight into a database (no server). */
export async function insertPrimarySite(db: Kysely<SiteDatabase>, createdAt = new Date().toISOString()): Promise<void> {
  await db
    .insertInto('sites')
    .values({
      code: 'PS1',
      name: 'Primary',
      kind: 'primary',
      parent_code: null,
      policy_interval_seconds: 60,
      active_window_seconds: 180,
      created_at: createdAt,
    })
    .execute();
}
