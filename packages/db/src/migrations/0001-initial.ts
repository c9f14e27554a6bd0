import { type Kysely, PostgresAdapter } from 'kysely';

/** Sites, their port settings, overlapping old ports, clients and the audit log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sites')
    .addColumn('code', 'varchar(3)', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('parent_code', 'varchar(3)')
    .addColumn('policy_interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('active_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('port_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('http_default', 'integer', (c) => c.notNull())
    .addColumn('http_alternate', 'integer')
    .addColumn('https_default', 'integer', (c) => c.notNull())
    .addColumn('https_alternate', 'integer')
    .addColumn('notification', 'integer', (c) => c.notNull())
    .addColumn('wake', 'integer', (c) => c.notNull())
    .addColumn('custom_web_site', 'integer', (c) => c.notNull())
    .addColumn('communication_mode', 'varchar(32)', (c) => c.notNull())
    .addColumn('descriptions', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('port_overlaps')
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('protocol', 'varchar(5)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('port_overlaps_pk', ['site_code', 'protocol', 'port'])
    .execute();

  await db.schema
    .createTable('clients')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('key_fingerprint', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('category', 'varchar(32)', (c) => c.notNull())
    .addColumn('agent_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('registered_at', 'text', (c) => c.notNull())
    .addColumn('last_contact_at', 'text')
    .addColumn('last_port', 'integer')
    .addColumn('last_protocol', 'varchar(5)')
    .addColumn('last_address', 'text')
    .addColumn('settings_version', 'integer', (c) => c.notNull())
    .addColumn('agent_state', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('clients_site_idx').on('clients').column('site_code').execute();

  // `seq` is the one dialect-specific column: an auto-increment key for ordered reads.
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', isPostgres ? 'serial' : 'integer', (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('site_code', 'varchar(3)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text')
    .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_log', 'clients', 'port_overlaps', 'port_settings', 'sites']) {
    await db.schema.dropTable(table).execute();
  }
}
