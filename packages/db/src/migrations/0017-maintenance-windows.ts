import type { Kysely } from 'kysely';

/**
 * Maintenance windows (decision 0114): collections of clients per site (a name and a membership
 * rule: host-name glob, subnets, explicit client ids — the lists as JSON text), their recurring
 * weekly windows in an IANA time zone, and whether a rollout keeps waiting clients on the old
 * ports until one of their windows opens.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('client_collections')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('host_glob', 'varchar(253)')
    .addColumn('subnets', 'text', (c) => c.notNull())
    .addColumn('client_ids', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('client_collections_site_name_uq', ['site_code', 'name'])
    .execute();
  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('collection_id', 'varchar(36)', (c) => c.notNull().references('client_collections.id'))
    .addColumn('days', 'varchar(32)', (c) => c.notNull())
    .addColumn('start', 'varchar(5)', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('maintenance_windows_collection_idx')
    .on('maintenance_windows')
    .column('collection_id')
    .execute();
  await db.schema
    .alterTable('rollouts')
    .addColumn('respect_windows', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rollouts').dropColumn('respect_windows').execute();
  await db.schema.dropTable('maintenance_windows').execute();
  await db.schema.dropTable('client_collections').execute();
}
