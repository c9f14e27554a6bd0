import type { Kysely } from 'kysely';

/**
 * Push targets and secrets at rest (decision 0093).
 *
 * `push_hosts.approval`: only `approved` hosts are ever connected to; a host learnt from a client
 * report or a scan is a `candidate` until an administrator approves it. Hosts already in the
 * inventory were added through the admin API and stay approved.
 * `push_hosts.presented_host_key`: the key an unpinned host presented, waiting for an administrator
 * to confirm it (no password is sent to an unpinned key).
 * `directory_settings.bind_secret`: the bind password sealed with the site's secret key file. The
 * server seals what an older version left in `bind_password` at its next start (the key lives in
 * the data dir, which the database layer does not see) and empties that column.
 * `directory_settings.start_tls` and `tls_ca`: StartTLS on `ldap://` and the CA certificate (PEM)
 * to trust instead of the default store.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('push_hosts')
    .addColumn('approval', 'varchar(16)', (c) => c.notNull().defaultTo('approved'))
    .execute();
  await db.schema.alterTable('push_hosts').addColumn('presented_host_key', 'text').execute();
  await db.schema.alterTable('directory_settings').addColumn('bind_secret', 'text').execute();
  await db.schema
    .alterTable('directory_settings')
    .addColumn('start_tls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('directory_settings').addColumn('tls_ca', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('directory_settings').dropColumn('tls_ca').execute();
  await db.schema.alterTable('directory_settings').dropColumn('start_tls').execute();
  await db.schema.alterTable('directory_settings').dropColumn('bind_secret').execute();
  await db.schema.alterTable('push_hosts').dropColumn('presented_host_key').execute();
  await db.schema.alterTable('push_hosts').dropColumn('approval').execute();
}
