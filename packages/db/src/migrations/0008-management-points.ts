import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Several management points per site: the registry of MP processes that share the site
 * database, and the cross-process event log that PostgreSQL LISTEN/NOTIFY announces (decision 0070).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('management_points')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('bind_address', 'text', (c) => c.notNull())
    .addColumn('role', 'varchar(8)', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('management_points_site_idx')
    .on('management_points')
    .columns(['site_code', 'state'])
    .execute();

  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('site_events')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('origin', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('site_events_at_idx').on('site_events').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('site_events').execute();
  await db.schema.dropTable('management_points').execute();
}
