import type { Kysely } from 'kysely';

/** Client push installation: per-site push settings and the host inventory with per-host status. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('push_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('auto_push', 'integer', (c) => c.notNull())
    .addColumn('retry_interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('retry_for_seconds', 'integer', (c) => c.notNull())
    .addColumn('registration_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('accept_new_host_keys', 'integer', (c) => c.notNull())
    .addColumn('management_point', 'text')
    .addColumn('default_install_dir', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('auth_kind', 'varchar(16)')
    .addColumn('secret', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('push_hosts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('install_dir', 'text')
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('auth_kind', 'varchar(16)')
    .addColumn('secret', 'text')
    .addColumn('host_key', 'text')
    .addColumn('host_key_source', 'varchar(16)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('queued_at', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('client_id', 'varchar(64)')
    .addColumn('key_fingerprint', 'varchar(64)')
    .addColumn('registered_at', 'text')
    .addColumn('installed_ports', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('push_hosts_site_host_port', ['site_code', 'host', 'port'])
    .execute();
  await db.schema.createIndex('push_hosts_due_idx').on('push_hosts').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('push_hosts').execute();
  await db.schema.dropTable('push_settings').execute();
}
