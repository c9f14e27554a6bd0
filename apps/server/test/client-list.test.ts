import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ClientCounts, ClientList, CreatedToken, ErrorBody, SiteView } from '@siteport/protocol';
import { SQLITE_FILE, sql } from '@siteport/db';
import { testDatabaseDialect } from '../../../test-support/postgres.js';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { ACTIVITY_SLICE, ClientPageRepository } from '../src/clients/list/client-page-repository.js';
import { SqliteClientCounts } from '../src/clients/list/sqlite-client-counts.js';

const NOW = Date.now();
const minutesAgo = (m: number): string => new Date(NOW - m * 60_000).toISOString();
const STATUSES = ['active', 'active', 'active', 'pending', 'blocked', 'retired'] as const;

interface Seeded {
  id: string;
  status: string;
  port: number | null;
  seen: string | null;
}

/** Inserts clients straight into the site database: 250 with mixed status, ports and last contact. */
async function seed(s: TestServer, n = 250): Promise<Seeded[]> {
  const rows: Seeded[] = [];
  for (let i = 0; i < n; i += 1) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const seen = i % 10 === 9 ? null : minutesAgo(i % 7 === 0 ? 24 * 60 : i % 50);
    rows.push({
      id,
      status: STATUSES[i % STATUSES.length]!,
      port: seen === null ? null : i % 3 === 0 ? 8530 : 80,
      seen,
    });
  }
  // Inserted in reverse, so id order is not insertion order.
  for (const r of [...rows].reverse()) {
    await s.server.db
      .insertInto('clients')
      .values({
        id: r.id,
        site_code: 'PS1',
        hostname: `host-${r.id.slice(-4)}`,
        public_key: 'k',
        key_fingerprint: r.id,
        category: 'workgroup',
        agent_version: '0.1.0',
        registered_at: minutesAgo(10_000),
        last_contact_at: r.seen,
        last_port: r.port,
        last_protocol: r.port === null ? null : 'http',
        last_address: r.port === null ? null : '127.0.0.1',
        settings_version: 1,
        agent_state: 'idle',
        state_dir: null,
        status: r.status,
        status_changed_at: null,
      })
      .execute();
  }
  return rows;
}

/** Follows nextCursor from the first page to the last; returns every client id and the page sizes. */
async function walk(s: TestServer, query: string, token?: string): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i += 1) {
    const sep = query === '' ? '' : '&';
    const path = `/sites/PS1/clients?${query}${cursor === undefined ? '' : `${sep}cursor=${encodeURIComponent(cursor)}`}`;
    const page = await s.admin<ClientList>('GET', path, undefined, token);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    ids.push(...page.body.clients.map((c) => c.clientId));
    sizes.push(page.body.clients.length);
    cursor = page.body.nextCursor;
    if (cursor === undefined) return { ids, sizes };
  }
  throw new Error('the listing never ended');
}

async function refused(s: TestServer, query: string): Promise<{ status: number; code: string; field: unknown }> {
  const answer = await s.admin<ErrorBody>('GET', `/sites/PS1/clients?${query}`);
  return { status: answer.status, code: answer.body.error.code, field: answer.body.error.details?.field };
}

test('the clients list pages in client id order: 100 by default, nextCursor absent on the last page, every client once', async (t) => {
  const s = await startTestServer(t);
  const rows = await seed(s);
  const all = rows.map((r) => r.id).sort();
  const unpaged = await s.admin<ClientList>('GET', '/sites/PS1/clients');
  assert.equal(unpaged.body.clients.length, 100);
  assert.deepEqual(
    unpaged.body.clients.map((c) => c.clientId),
    all.slice(0, 100),
  );
  assert.equal(typeof unpaged.body.nextCursor, 'string');
  const walked = await walk(s, '');
  assert.deepEqual(walked.sizes, [100, 100, 50]);
  assert.deepEqual(walked.ids, all);
  const small = await walk(s, 'limit=7');
  assert.deepEqual(small.ids, all);
  assert.equal(small.sizes.length, Math.ceil(250 / 7));
  // A page that ends exactly at the last client has no nextCursor.
  const exact = await walk(s, 'limit=125');
  assert.deepEqual(exact.sizes, [125, 125]);
  // Migration 0012 made the indexes the pages and filters read.
  const indexes =
    testDatabaseDialect() === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'clients'`.execute(
          s.server.db,
        )
      : await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'clients'`.execute(s.server.db);
  const names = indexes.rows.map((r) => r.name);
  for (const name of ['clients_site_id_idx', 'clients_site_status_id_idx', 'clients_site_port_id_idx'])
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
});

test('each filter selects what the data says, page after page, and filters combine', async (t) => {
  const s = await startTestServer(t);
  const rows = await seed(s);
  const ids = (pick: (r: Seeded) => boolean): string[] =>
    rows
      .filter(pick)
      .map((r) => r.id)
      .sort();
  const windowMs = (await s.admin<ClientList>('GET', '/sites/PS1/clients?limit=1')).body.activeWindowSeconds * 1000;
  const activeSince = new Date(Date.now() - windowMs).toISOString();
  const cases: [string, (r: Seeded) => boolean][] = [
    ['status=blocked', (r) => r.status === 'blocked'],
    ['status=active', (r) => r.status === 'active'],
    ['port=8530', (r) => r.port === 8530],
    ['port=80&status=pending', (r) => r.port === 80 && r.status === 'pending'],
    [`lastSeenBefore=${encodeURIComponent(minutesAgo(60))}`, (r) => r.seen !== null && r.seen < minutesAgo(60)],
    [`lastSeenAfter=${encodeURIComponent(minutesAgo(20))}`, (r) => r.seen !== null && r.seen >= minutesAgo(20)],
    ['activity=active', (r) => r.seen !== null && r.seen >= activeSince],
    ['activity=inactive', (r) => r.seen === null || r.seen < activeSince],
    ['channel=none', () => true],
    ['channel=tcp', () => false],
  ];
  for (const [query, pick] of cases) {
    const walked = await walk(s, `${query}&limit=9`);
    assert.deepEqual(walked.ids, ids(pick), query);
    assert.ok(
      walked.sizes.slice(0, -1).every((n) => n === 9),
      query,
    );
  }
  const blocked = (await s.admin<ClientList>('GET', '/sites/PS1/clients?status=blocked')).body.clients;
  assert.ok(blocked.length > 0 && blocked.every((c) => c.status === 'blocked'));
});

test('bad query parameters are refused at the edge with the parameter named, and a garbled or forged cursor is a 400, never a 500', async (t) => {
  const s = await startTestServer(t);
  await seed(s, 30);
  const expectations: [string, string, string][] = [
    ['limit=1001', 'E_VALIDATION', 'limit'],
    ['limit=0', 'E_VALIDATION', 'limit'],
    ['limit=ten', 'E_VALIDATION', 'limit'],
    ['limit=1e2', 'E_VALIDATION', 'limit'],
    ['limit=5&limit=6', 'E_VALIDATION', 'limit'],
    ['status=asleep', 'E_VALIDATION', 'status'],
    ['activity=busy', 'E_VALIDATION', 'activity'],
    ['channel=smoke', 'E_VALIDATION', 'channel'],
    ['port=0', 'E_VALIDATION', 'port'],
    ['port=65536', 'E_VALIDATION', 'port'],
    ['port=-1', 'E_VALIDATION', 'port'],
    ['lastSeenBefore=yesterday', 'E_VALIDATION', 'lastSeenBefore'],
    ['lastSeenBefore=2026-13-01', 'E_VALIDATION', 'lastSeenBefore'],
    ['lastSeenAfter=2026-01-01T10:00:00', 'E_VALIDATION', 'lastSeenAfter'],
    ['lastSeenAfter=2026-02-01&lastSeenBefore=2026-01-01', 'E_VALIDATION', 'lastSeenAfter'],
    ['sort=hostname', 'E_VALIDATION', 'sort'],
    ['cursor=', 'E_CURSOR_INVALID', 'cursor'],
    ['cursor=%%%', 'E_CURSOR_INVALID', 'cursor'],
    ['cursor=bm90IGpzb24', 'E_CURSOR_INVALID', 'cursor'],
    [`cursor=${'A'.repeat(300)}`, 'E_CURSOR_INVALID', 'cursor'],
    [
      `cursor=${Buffer.from(JSON.stringify({ v: 1, s: 'PS1', f: 'x', a: "' OR 1=1 --" })).toString('base64url')}`,
      'E_CURSOR_INVALID',
      'cursor',
    ],
    [
      `cursor=${Buffer.from(JSON.stringify({ v: 2, s: 'PS1', f: 'AAAAAAAAAAAAAAAA', a: 'x' })).toString('base64url')}`,
      'E_CURSOR_INVALID',
      'cursor',
    ],
    [`cursor=${Buffer.from(JSON.stringify([1, 2])).toString('base64url')}`, 'E_CURSOR_INVALID', 'cursor'],
  ];
  for (const [query, code, field] of expectations) {
    assert.deepEqual(await refused(s, query), { status: 400, code, field }, query);
  }
  // A cursor of one listing does not continue another: the filters are bound to it.
  const first = (await s.admin<ClientList>('GET', '/sites/PS1/clients?limit=5&status=active')).body;
  assert.ok(first.nextCursor !== undefined);
  assert.deepEqual(await refused(s, `limit=5&cursor=${first.nextCursor}`), {
    status: 400,
    code: 'E_CURSOR_INVALID',
    field: 'cursor',
  });
  assert.equal(
    (await s.admin('GET', `/sites/PS1/clients?limit=50&status=active&cursor=${first.nextCursor}`)).status,
    200,
  );
  // Nor a listing of another site.
  const other = await s.admin<ErrorBody>('GET', `/sites/PS2/clients?cursor=${first.nextCursor}`);
  assert.notEqual(other.status, 200);
  assert.notEqual(other.status, 500);
});

test('the counts endpoint counts in all, by status, activity, channel and port; an analyst reads it and the list, a token for another site does not', async (t) => {
  const s = await startTestServer(t);
  const rows = await seed(s, 120);
  const { clientId } = await startNotifyAgent(t, s);
  const online = async (): Promise<boolean> => {
    const { byChannel } = (await s.admin<ClientCounts>('GET', '/sites/PS1/clients/counts')).body;
    return byChannel.tcp + byChannel['http-poll'] === 1;
  };
  await until('the agent holds a notification channel', online);
  const counts = await s.admin<ClientCounts>('GET', '/sites/PS1/clients/counts');
  assert.equal(counts.status, 200, JSON.stringify(counts.body));
  const body = counts.body;
  assert.equal(body.total, 121);
  const byStatus = { active: 1, pending: 0, blocked: 0, retired: 0 };
  for (const r of rows) byStatus[r.status as keyof typeof byStatus] += 1;
  assert.deepEqual(body.byStatus, byStatus);
  assert.equal(body.byActivity.active + body.byActivity.inactive, 121);
  assert.equal(body.byActivity.never, rows.filter((r) => r.seen === null).length);
  assert.equal(body.byChannel.tcp + body.byChannel['http-poll'], 1);
  assert.equal(body.byChannel.none, 120);
  const port8530 = body.byPort.find((p) => p.port === 8530 && p.protocol === 'http');
  assert.equal(port8530?.clients, rows.filter((r) => r.port === 8530).length);
  // The channel filter reads the notification presence: the one connected agent.
  const channel = body.byChannel.tcp === 1 ? 'tcp' : 'http-poll';
  assert.deepEqual((await walk(s, `channel=${channel}&limit=3`)).ids, [clientId]);
  assert.equal((await walk(s, 'channel=none&limit=50')).ids.length, 120);
  // The site view counts the same way, without reading every client.
  const site = (await s.admin<SiteView>('GET', '/sites/PS1')).body;
  assert.equal(site.clients.total, 121 - byStatus.retired);

  const analyst = await s.admin<CreatedToken>('POST', '/tokens', { name: 'reader', role: 'analyst', sites: ['PS1'] });
  assert.equal(analyst.status, 200, JSON.stringify(analyst.body));
  assert.equal((await s.admin('GET', '/sites/PS1/clients/counts', undefined, analyst.body.secret)).status, 200);
  assert.equal((await walk(s, 'limit=40', analyst.body.secret)).ids.length, 121);
  const elsewhere = await s.admin<CreatedToken>('POST', '/tokens', {
    name: 'elsewhere',
    role: 'administrator',
    sites: ['PS9'],
  });
  assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
  for (const path of ['/sites/PS1/clients', '/sites/PS1/clients/counts']) {
    const answer = await s.admin<ErrorBody>('GET', path, undefined, elsewhere.body.secret);
    assert.equal(answer.status, 403, path);
    assert.equal(answer.body.error.code, 'E_FORBIDDEN');
  }
  const extra = await s.admin<ErrorBody>('GET', '/sites/PS1/clients/counts?status=active');
  assert.equal(extra.status, 400);
  assert.equal(extra.body.error.code, 'E_VALIDATION');
});

test('the activity pass over more rows than one slice counts what one pass over every row counts, and lets timers run between slices', async (t) => {
  const s = await startTestServer(t);
  const n = ACTIVITY_SLICE * 2 + 345;
  const since = minutesAgo(30);
  const expected = { active: 0, activeServed: 0, never: 0, ports: new Map<string, number>() };
  const values = [];
  for (let i = 0; i < n; i += 1) {
    const seen = i % 11 === 0 ? null : minutesAgo(i % 60);
    const port = seen === null ? null : 8000 + (i % 4);
    const protocol: 'http' | 'https' = i % 2 === 0 ? 'http' : 'https';
    const status = STATUSES[i % STATUSES.length]!;
    if (seen === null) expected.never += 1;
    else {
      const key = `${protocol} ${String(port)}`;
      expected.ports.set(key, (expected.ports.get(key) ?? 0) + 1);
      if (seen >= since) {
        expected.active += 1;
        if (status === 'active') expected.activeServed += 1;
      }
    }
    values.push({
      id: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
      site_code: 'PS1',
      hostname: `bulk-${i}`,
      public_key: 'k',
      key_fingerprint: `bulk-${i}`,
      category: 'workgroup',
      agent_version: '0.1.0',
      registered_at: minutesAgo(10_000),
      last_contact_at: seen,
      last_port: port,
      last_protocol: seen === null ? null : protocol,
      last_address: seen === null ? null : '127.0.0.1',
      settings_version: 1,
      agent_state: 'idle',
      state_dir: null,
      status,
      status_changed_at: null,
    });
  }
  for (let i = 0; i < values.length; i += 500)
    await s.server.db
      .insertInto('clients')
      .values(values.slice(i, i + 500))
      .execute();
  // Counts turns of the event loop while the pass runs: each is a moment other requests are served in.
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const counts = await new ClientPageRepository(s.server.db).activity('PS1', since);
  running = false;
  assert.equal(counts.active, expected.active);
  assert.equal(counts.activeServed, expected.activeServed);
  assert.equal(counts.never, expected.never);
  assert.deepEqual(new Map(counts.byPort.map((p) => [`${p.protocol} ${p.port}`, p.clients])), expected.ports);
  assert.equal(counts.byPort.reduce((a, p) => a + p.clients, 0) + counts.never, n);
  assert.ok(ticks >= 2, `the event loop turned between the slices (${ticks} turns)`);

  // On SQLite the site server reads the counts on a worker thread: the same numbers, in one pass.
  if (testDatabaseDialect() === 'sqlite') {
    const worker = new SqliteClientCounts(path.join(s.dataDir, SQLITE_FILE));
    t.after(() => worker.close());
    assert.deepEqual(await worker.activity('PS1', since), counts);
    assert.deepEqual(await worker.byStatus('PS1'), await new ClientPageRepository(s.server.db).byStatus('PS1'));
    // A read waits for what the main connection committed before it.
    await s.server.db.updateTable('clients').set({ status: 'blocked' }).where('site_code', '=', 'PS1').execute();
    assert.deepEqual(await worker.byStatus('PS1'), { active: 0, pending: 0, blocked: n, retired: 0 });
  }
});
