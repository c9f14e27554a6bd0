import type { Kysely } from 'kysely';

/**
 * The gateway of each site (decision 0113): the public host name and port clients outside the
 * network reach the site's management points through; announced in policy.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gateway_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('host', 'varchar(253)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('gateway_settings').execute();
}
