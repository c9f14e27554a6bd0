import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { copyDatabase, openDatabase, type Kysely, type SiteDatabase } from '@siteport/db';
import { freePort } from '../../../test-support/ports.js';
import { insertPrimarySite } from '../../../test-support/primary-site.js';
import { requirePostgres, startPostgres } from '../../../test-support/postgres.js';
import { tempDir } from '../../../test-support/temp-dir.js';

async function columns(db: Kysely<SiteDatabase>): Promise<Record<string, string[]>> {
  const tables = await db.introspection.getTables();
  return Object.fromEntries(
    tables.filter((t) => !t.name.startsWith('kysely_')).map((t) => [t.name, t.columns.map((c) => c.name).sort()]),
  );
}

async function seedSite(db: Kysely<SiteDatabase>, clients: number): Promise<void> {
  const at = new Date().toISOString();
  await insertPrimarySite(db, at);
  const rows = Array.from({ length: clients }, (_, i) => ({
    id: `c-${i}`,
    site_code: 'PS1',
    hostname: `host-${i}`,
    public_key: 'pem',
    key_fingerprint: `fp-${i}`,
    category: 'workgroup',
    agent_version: 'test',
    registered_at: at,
    last_contact_at: null,
    last_port: i % 2 === 0 ? 443 : null,
    last_protocol: null,
    last_address: null,
    settings_version: 1,
    agent_state: 'running',
    state_dir: null,
    status: 'active',
    status_changed_at: null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('clients')
      .values(rows.slice(i, i + 500))
      .execute();
  await db
    .insertInto('audit_log')
    .values({
      at,
      actor: 'test',
      site_code: 'PS1',
      action: 'seed',
      old_value: null,
      new_value: '{"ü":"ß"}',
      outcome: 'applied',
    })
    .execute();
}

test('the PostgreSQL dialect runs the same migrations to the same tables and columns as SQLite, also when two processes start at once', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.after(() => pg.destroy());
  const url = await pg.createDatabase();
  const [a, b] = await Promise.all([openDatabase({ kind: 'postgres', url }), openDatabase({ kind: 'postgres', url })]);
  const sqlite = await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') });
  t.after(() => Promise.all([a.destroy(), b.destroy(), sqlite.destroy()]));
  assert.deepEqual(await columns(a), await columns(sqlite));
  // COUNT(*) is a number on both, as the repositories expect.
  await seedSite(a, 2);
  const counted = await b
    .selectFrom('clients')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(counted.n, 2);
});

test('an unreachable server and a missing database are reported with E_DATABASE_UNAVAILABLE and what to check', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.after(() => pg.destroy());
  const closed = await freePort();
  await assert.rejects(
    openDatabase({ kind: 'postgres', url: `postgres://postgres:secret@127.0.0.1:${closed}/site` }),
    (error: unknown) => {
      assert.ok(isSiteportError(error, 'E_DATABASE_UNAVAILABLE'), String(error));
      assert.match(
        (error as Error).message,
        /postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/site: the server is not reachable/,
      );
      return true;
    },
  );
  await assert.rejects(
    openDatabase({ kind: 'postgres', url: pg.url('no_such_db') }),
    /the database does not exist \(create it first: createdb\)/,
  );
});

test('a copy whose target does not match the source is rolled back and names the table', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.after(() => pg.destroy());
  const source = await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') });
  const url = await pg.createDatabase();
  const target = await openDatabase({ kind: 'postgres', url });
  t.after(() => Promise.all([source.destroy(), target.destroy()]));
  await seedSite(source, 12_000);
  const name = url.split('/').pop()!;
  // A target that silently changes what it stores: the checksum must catch it.
  await pg.psql(
    name,
    "CREATE FUNCTION mangle() RETURNS trigger AS $$ BEGIN IF NEW.id = 'c-7' THEN NEW.hostname := 'changed'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
  );
  await pg.psql(name, 'CREATE TRIGGER mangle BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION mangle()');
  await assert.rejects(copyDatabase(source, target), (error: unknown) => {
    assert.ok(isSiteportError(error, 'E_MIGRATION_VERIFY'), String(error));
    assert.match((error as Error).message, /does not match the source in clients; nothing was written/);
    return true;
  });
  assert.equal(await pg.psql(name, 'SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM sites)'), '0\n');

  await pg.psql(name, 'DROP TRIGGER mangle ON clients');
  const copies = await copyDatabase(source, target);
  assert.deepEqual(
    copies.filter((c) => c.sourceRows > 0).map((c) => [c.table, c.targetRows, c.verified]),
    [
      ['sites', 1, true],
      ['clients', 12_000, true],
      ['audit_log', 1, true],
    ],
  );
  // The serial sequence moved past the copied keys.
  await target
    .insertInto('audit_log')
    .values({
      at: 'now',
      actor: 'test',
      site_code: 'PS1',
      action: 'after',
      old_value: null,
      new_value: null,
      outcome: 'applied',
    })
    .execute();
  assert.equal(await pg.psql(name, 'SELECT max(seq) FROM audit_log'), '2\n');
});
