// ClientRepository.recordContacts on both dialects: batches of contact updates written as a few
// UPDATE … FROM statements must leave exactly the rows the per-client updates left before.
import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Kysely, type SiteDatabase, openDatabase } from '@siteport/db';
import { ClientRepository, type ContactUpdate } from '../src/clients/index.js';
import { requirePostgres, sharedPostgresDatabase } from '../../../test-support/postgres.js';
import { insertPrimarySite } from '../../../test-support/primary-site.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const DIALECTS = ['sqlite', 'postgres'] as const;
const REGISTERED_AT = '2026-01-01T00:00:00.000Z';

/** A migrated site database with site PS1 and `clients` clients `c-0000…`, or undefined when skipped. */
async function siteWithClients(
  t: TestContext,
  dialect: (typeof DIALECTS)[number],
  clients: number,
): Promise<Kysely<SiteDatabase> | undefined> {
  if (dialect === 'postgres' && !requirePostgres(t)) return undefined;
  const db =
    dialect === 'sqlite'
      ? await openDatabase({ kind: 'sqlite', file: path.join(tempDir(t), 'site.db') })
      : await openDatabase({ kind: 'postgres', url: await sharedPostgresDatabase() });
  t.after(() => db.destroy());
  await insertPrimarySite(db, REGISTERED_AT);
  const rows = Array.from({ length: clients }, (_, i) => ({
    id: id(i),
    site_code: 'PS1',
    hostname: `host-${i}`,
    public_key: 'pem',
    key_fingerprint: `fp-${i}`,
    category: 'workgroup',
    agent_version: 'test',
    registered_at: REGISTERED_AT,
    last_contact_at: null,
    last_port: null,
    last_protocol: null,
    last_address: null,
    settings_version: 1,
    agent_state: 'starting',
    state_dir: i % 2 === 0 ? `/var/lib/siteport-${i}` : null,
    status: 'active',
    status_changed_at: null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('clients')
      .values(rows.slice(i, i + 500))
      .execute();
  return db;
}

function id(i: number): string {
  return `c-${String(i).padStart(4, '0')}`;
}

async function rowsById(db: Kysely<SiteDatabase>) {
  const rows = await db.selectFrom('clients').selectAll().orderBy('id').execute();
  return new Map(rows.map((row) => [row.id, row]));
}

for (const dialect of DIALECTS) {
  test(`${dialect}: 1,200 mixed contact updates leave exactly the expected rows and keep the optional fields not given`, async (t) => {
    const db = await siteWithClients(t, dialect, 1300);
    if (db === undefined) return;
    // 1,200 spans two statements; every third update carries every optional field.
    const updates: ContactUpdate[] = Array.from({ length: 1200 }, (_, i) => ({
      id: id(i),
      at: `2026-02-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      port: 8000 + i,
      protocol: i % 2 === 0 ? 'https' : 'http',
      address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
      ...(i % 3 === 0
        ? { settingsVersion: 100 + i, agentState: 'running', hostname: `new-${i}`, stateDir: `/s/${i}` }
        : {}),
    }));
    await new ClientRepository(db).recordContacts(updates);

    const rows = await rowsById(db);
    assert.equal(rows.size, 1300);
    for (let i = 0; i < 1300; i += 1) {
      const row = rows.get(id(i));
      assert.ok(row !== undefined);
      const update = updates[i];
      const seededStateDir = i % 2 === 0 ? `/var/lib/siteport-${i}` : null;
      const expected =
        update === undefined
          ? {
              at: null,
              port: null,
              protocol: null,
              address: null,
              version: 1,
              state: 'starting',
              host: `host-${i}`,
              dir: seededStateDir,
            }
          : {
              at: update.at,
              port: update.port,
              protocol: update.protocol,
              address: update.address,
              version: update.settingsVersion ?? 1,
              state: update.agentState ?? 'starting',
              host: update.hostname ?? `host-${i}`,
              dir: update.stateDir ?? seededStateDir,
            };
      assert.deepEqual(
        {
          at: row.last_contact_at,
          port: row.last_port,
          protocol: row.last_protocol,
          address: row.last_address,
          version: row.settings_version,
          state: row.agent_state,
          host: row.hostname,
          dir: row.state_dir,
        },
        expected,
        `client ${id(i)}`,
      );
      // Columns the contact does not carry are untouched.
      assert.equal(row.registered_at, REGISTERED_AT);
      assert.equal(row.status, 'active');
    }
  });

  test(`${dialect}: a hostile host name and address are stored verbatim`, async (t) => {
    const db = await siteWithClients(t, dialect, 3);
    if (db === undefined) return;
    const hostile = "x'); DROP TABLE clients;--";
    const address = 'a"b\\c\'d $1 ? :x';
    await new ClientRepository(db).recordContacts([
      { id: id(1), at: REGISTERED_AT, port: 443, protocol: 'https', address, hostname: hostile, agentState: "it's" },
    ]);
    const rows = await rowsById(db);
    assert.equal(rows.size, 3);
    assert.equal(rows.get(id(1))?.hostname, hostile);
    assert.equal(rows.get(id(1))?.last_address, address);
    assert.equal(rows.get(id(1))?.agent_state, "it's");
    assert.equal(rows.get(id(0))?.hostname, 'host-0');
  });

  test(`${dialect}: two updates of one client in a batch merge, the later winning field by field`, async (t) => {
    const db = await siteWithClients(t, dialect, 2);
    if (db === undefined) return;
    await new ClientRepository(db).recordContacts([
      { id: id(0), at: '2026-02-01T00:00:01.000Z', port: 80, protocol: 'http', address: '10.0.0.1', hostname: 'first' },
      { id: id(1), at: '2026-02-01T00:00:01.000Z', port: 80, protocol: 'http', address: '10.0.0.2' },
      {
        id: id(0),
        at: '2026-02-01T00:00:02.000Z',
        port: 443,
        protocol: 'https',
        address: '10.0.0.3',
        settingsVersion: 7,
      },
    ]);
    const row = (await rowsById(db)).get(id(0));
    assert.deepEqual(
      [
        row?.last_contact_at,
        row?.last_port,
        row?.last_protocol,
        row?.last_address,
        row?.hostname,
        row?.settings_version,
      ],
      ['2026-02-01T00:00:02.000Z', 443, 'https', '10.0.0.3', 'first', 7],
    );
  });
}

test('postgres: a batch that fails in its second statement writes nothing, so the recorder can retry all of it', async (t) => {
  // SQLite does not enforce varchar lengths, so only PostgreSQL can be made to fail this way.
  const db = await siteWithClients(t, 'postgres', 1100);
  if (db === undefined) return;
  const updates: ContactUpdate[] = Array.from({ length: 1100 }, (_, i) => ({
    id: id(i),
    at: '2026-02-01T00:00:00.000Z',
    port: 443,
    protocol: 'https',
    address: '10.0.0.1',
    ...(i === 1050 ? { agentState: 'x'.repeat(33) } : {}),
  }));
  await assert.rejects(new ClientRepository(db).recordContacts(updates), /too long/);
  const written = await db.selectFrom('clients').select('id').where('last_contact_at', 'is not', null).execute();
  assert.equal(written.length, 0);
});
