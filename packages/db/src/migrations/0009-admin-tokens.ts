import { type Kysely, sql } from 'kysely';

/**
 * Admin API access (decision 0094): API tokens (only the SHA-256 of each secret is stored) and, for
 * console accounts, a site scope and a disabled mark.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_tokens')
    .addColumn('id', 'varchar(16)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('sites', 'text')
    .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .execute();
  // One active token per name: the name is the audit actor `token:<name>`.
  await db.schema
    .createIndex('admin_tokens_active_name')
    .on('admin_tokens')
    .column('name')
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();

  await db.schema.alterTable('console_users').addColumn('sites', 'text').execute();
  await db.schema.alterTable('console_users').addColumn('disabled_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('console_users').dropColumn('disabled_at').execute();
  await db.schema.alterTable('console_users').dropColumn('sites').execute();
  await db.schema.dropTable('admin_tokens').execute();
}
