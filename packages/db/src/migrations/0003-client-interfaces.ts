import type { Kysely } from 'kysely';

/** Network interfaces clients report in inventory (MAC, IPv4 address, subnet) for Wake-on-LAN. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('client_interfaces')
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('mac', 'varchar(17)', (c) => c.notNull())
    .addColumn('address', 'varchar(15)', (c) => c.notNull())
    .addColumn('prefix_length', 'integer', (c) => c.notNull())
    .addColumn('network', 'varchar(18)', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_interfaces_pk', ['client_id', 'name', 'address'])
    .execute();
  await db.schema.createIndex('client_interfaces_network_idx').on('client_interfaces').column('network').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('client_interfaces').execute();
}
