import type { Kysely } from 'kysely';

/**
 * The reachability map (decision 0109): each client's latest result per management point port,
 * with the subnet the MP saw it in, and each site's probing settings. One row per client and port,
 * so the table grows with clients × (ports in use + candidates), never with reports.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reachability_results')
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('subnet', 'text', (c) => c.notNull())
    .addColumn('tested_at', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reachability_results_pk', ['site_code', 'client_id', 'port'])
    .execute();
  await db.schema
    .createIndex('reachability_results_site_subnet_idx')
    .on('reachability_results')
    .columns(['site_code', 'subnet', 'port'])
    .execute();
  await db.schema
    .createTable('reachability_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('stale_hours', 'integer', (c) => c.notNull())
    .addColumn('candidates', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reachability_settings').execute();
  await db.schema.dropIndex('reachability_results_site_subnet_idx').execute();
  await db.schema.dropTable('reachability_results').execute();
}
