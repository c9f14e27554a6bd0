import type { Kysely } from 'kysely';

/**
 * Who may become a client of a site (decision 0095): a registration status per client, the
 * site's registration mode, and registration tokens (only the SHA-256 of each secret is stored).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
    .execute();
  await db.schema.alterTable('clients').addColumn('status_changed_at', 'text').execute();

  await db.schema
    .createTable('registration_settings')
    .addColumn('site_code', 'varchar(3)', (c) => c.primaryKey().references('sites.code'))
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('registration_tokens')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('site_code', 'varchar(3)')
    .addColumn('created_under', 'varchar(3)', (c) => c.notNull().references('sites.code'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('max_uses', 'integer', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createIndex('registration_tokens_site_idx')
    .on('registration_tokens')
    .column('created_under')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('registration_tokens').execute();
  await db.schema.dropTable('registration_settings').execute();
  await db.schema.alterTable('clients').dropColumn('status_changed_at').execute();
  await db.schema.alterTable('clients').dropColumn('status').execute();
}
