import type { Kysely } from 'kysely';

/**
 * Agent upgrades (decision 0111): each site's release public key, the signed agent packages
 * administrators registered (the bytes as base64 text, the same on SQLite and PostgreSQL, so every
 * MP process of the site serves them), upgrade rollouts and each selected client's wave and outcome.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('release_keys')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
    .addColumn('set_at', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('agent_packages')
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('data_base64', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_packages_pk', ['site_code', 'version'])
    .execute();
  await db.schema
    .createTable('agent_upgrades')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('halted_from', 'varchar(16)')
    .addColumn('canary_percent', 'integer', (c) => c.notNull())
    .addColumn('failure_threshold_percent', 'integer', (c) => c.notNull())
    .addColumn('auto_advance', 'integer', (c) => c.notNull())
    .addColumn('allow_downgrade', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createIndex('agent_upgrades_site_state_idx')
    .on('agent_upgrades')
    .columns(['site_code', 'state'])
    .execute();
  await db.schema
    .createTable('agent_upgrade_clients')
    .addColumn('upgrade_id', 'varchar(36)', (c) => c.notNull().references('agent_upgrades.id'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id'))
    .addColumn('wave', 'varchar(8)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('from_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_upgrade_clients_pk', ['upgrade_id', 'client_id'])
    .execute();
  await db.schema
    .createIndex('agent_upgrade_clients_status_idx')
    .on('agent_upgrade_clients')
    .columns(['upgrade_id', 'status'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_upgrade_clients').execute();
  await db.schema.dropTable('agent_upgrades').execute();
  await db.schema.dropTable('agent_packages').execute();
  await db.schema.dropTable('release_keys').execute();
}
