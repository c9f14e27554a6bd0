import type { Kysely } from 'kysely';

/** Per-site directory publishing settings. The bind password never leaves the server. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('directory_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('base_dn', 'text')
    .addColumn('bind_dn', 'text')
    .addColumn('bind_password', 'text')
    .addColumn('install_properties', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('directory_settings').execute();
}
