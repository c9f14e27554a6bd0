import type { Kysely } from 'kysely';

/**
 * Secondary sites attached to a primary, the old ports a secondary serves because its primary does, peer primaries for hierarchy-wide changes, the default
 * web site's own bindings, and the web applications it carries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secondary_sites')
    .addColumn('code', 'varchar(3)', (c) => c.primaryKey())
    .addColumn('parent_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('admin_url', 'text', (c) => c.notNull())
    .addColumn('ca_fingerprint', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('synced_version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('inherited_overlaps')
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('protocol', 'varchar(5)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inherited_overlaps_pk', ['site_code', 'protocol', 'port'])
    .execute();

  await db.schema
    .createTable('peer_primaries')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('ca_certificate', 'text')
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('web_sites')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('default_http', 'integer', (c) => c.notNull())
    .addColumn('default_https', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('web_applications')
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('path', 'varchar(128)', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('web_applications_pk', ['site_code', 'name'])
    .addUniqueConstraint('web_applications_path_uq', ['site_code', 'path'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['web_applications', 'web_sites', 'peer_primaries', 'inherited_overlaps', 'secondary_sites']) {
    await db.schema.dropTable(table).execute();
  }
}
