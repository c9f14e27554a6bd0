import type { Kysely } from 'kysely';

/**
 * Tracked port-change rollouts (replacing fixed-deadline overlaps), pre-flight probe reports, and
 * the state dir each client reports (for exact remediation commands).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rollouts')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('old_settings', 'text', (c) => c.notNull())
    .addColumn('new_settings', 'text', (c) => c.notNull())
    .addColumn('old_version', 'integer', (c) => c.notNull())
    .addColumn('new_version', 'integer')
    .addColumn('rollback_version', 'integer')
    .addColumn('preflight', 'integer', (c) => c.notNull())
    .addColumn('deadline', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('committed_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('rollouts_site_state_idx').on('rollouts').columns(['site_code', 'state']).execute();

  await db.schema
    .createTable('probe_reports')
    .addColumn('rollout_id', 'varchar(36)', (c) => c.notNull().references('rollouts.id'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('results', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('probe_reports_pk', ['rollout_id', 'client_id'])
    .execute();

  await db.schema.alterTable('clients').addColumn('state_dir', 'text').execute();
  await db.schema.dropTable('port_overlaps').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('probe_reports').execute();
  await db.schema.dropTable('rollouts').execute();
}
