import type { Kysely } from 'kysely';

/**
 * Indexes for the paged clients list (decision 0100): keyset pages in client id order within a
 * site, filtered by registration status or by the request port a client was last seen on. The
 * last contact time has none: it changes on every client contact, and an index on it would be
 * rewritten by every activity batch (on PostgreSQL it would also end heap-only updates).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('clients_site_id_idx').on('clients').columns(['site_code', 'id']).execute();
  await db.schema
    .createIndex('clients_site_status_id_idx')
    .on('clients')
    .columns(['site_code', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('clients_site_port_id_idx')
    .on('clients')
    .columns(['site_code', 'last_port', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('clients_site_port_id_idx').execute();
  await db.schema.dropIndex('clients_site_status_id_idx').execute();
  await db.schema.dropIndex('clients_site_id_idx').execute();
}
