import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { CollectionView, Policy, RolloutView } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { freePort } from '../../../test-support/ports.js';
import { requirePostgres, sharedPostgresDatabase } from '../../../test-support/postgres.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

type Err = { error: { code: string; message: string } };

test('collections and reachability settings of a site this server does not run answer E_SITE_NOT_FOUND, not an internal error', async (t) => {
  const s = await startTestServer(t);
  const window = { days: ['sat'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' };
  const attempts: [string, string, unknown][] = [
    ['GET', '/sites/ZZ9/collections', undefined],
    ['POST', '/sites/ZZ9/collections', { name: 'night', hostGlob: 'db-*' }],
    ['DELETE', '/sites/ZZ9/collections/night', undefined],
    ['POST', '/sites/ZZ9/collections/night/windows', window],
    ['DELETE', '/sites/ZZ9/collections/night/windows/w', undefined],
    ['GET', '/sites/ZZ9/reachability/settings', undefined],
    ['PUT', '/sites/ZZ9/reachability/settings', { intervalSeconds: 3600, staleHours: 24, candidates: [] }],
  ];
  for (const [method, path, body] of attempts) {
    const res = await s.admin<Err>(method, path, body);
    assert.equal(res.body.error?.code, 'E_SITE_NOT_FOUND', `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.status, 404);
  }
  const audit = (await s.admin<{ entries: { siteCode: string | null }[] }>('GET', '/audit')).body.entries;
  assert.ok(!audit.some((e) => e.siteCode === 'ZZ9'), 'nothing was stored or audited for the unknown site');
});

/** Fires `n` requests at once and counts the answers by status and error code. */
async function burst(s: TestServer, n: number, request: (i: number) => [string, string, unknown]) {
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) => s.admin<Err & Partial<CollectionView>>(...request(i))),
  );
  const tally = new Map<string, number>();
  for (const a of answers) {
    const key = a.status === 200 ? '200' : `${a.status} ${a.body.error?.code}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(tally);
}

/** Concurrent creates and window adds keep the name unique and the limits whole. */
async function raceTheLimits(t: TestContext, databaseUrl: string | undefined): Promise<void> {
  const s = await startTestServer(t, databaseUrl === undefined ? {} : { databaseUrl });
  const list = async () =>
    (await s.admin<{ collections: CollectionView[] }>('GET', '/sites/PS1/collections')).body.collections;
  // One name, twelve creates at once: one wins, the rest are told the name exists.
  assert.deepEqual(await burst(s, 12, () => ['POST', '/sites/PS1/collections', { name: 'same', hostGlob: 'a-*' }]), {
    '200': 1,
    '409 E_COLLECTION_EXISTS': 11,
  });
  // 95 collections; 20 more at once: exactly 5 fit under the limit of 100.
  for (let i = 1; i < 95; i += 1) {
    const res = await s.admin('POST', '/sites/PS1/collections', { name: `c${i}`, clientIds: [`id-${i}`] });
    assert.equal(res.status, 200);
  }
  assert.deepEqual(
    await burst(s, 20, (i) => ['POST', '/sites/PS1/collections', { name: `burst${i}`, clientIds: ['x'] }]),
    { '200': 5, '409 E_COLLECTION_LIMIT': 15 },
  );
  assert.equal((await list()).length, 100);
  // 18 windows; 10 more at once: exactly 2 fit under the limit of 20.
  const window = (i: number) => ({
    days: ['mon'],
    start: `0${i % 10}:${10 + i}`,
    durationMinutes: 30,
    timeZone: 'UTC',
  });
  for (let i = 0; i < 18; i += 1)
    assert.equal((await s.admin('POST', '/sites/PS1/collections/same/windows', window(i))).status, 200);
  assert.deepEqual(await burst(s, 10, (i) => ['POST', '/sites/PS1/collections/same/windows', window(20 + i)]), {
    '200': 2,
    '409 E_COLLECTION_LIMIT': 8,
  });
  assert.equal((await list()).find((c) => c.name === 'same')?.windows.length, 20);
}

test('concurrent creates cannot duplicate a collection name or exceed the collection and window limits (SQLite)', async (t) => {
  await raceTheLimits(t, undefined);
});

test('concurrent creates cannot duplicate a collection name or exceed the collection and window limits (PostgreSQL)', async (t) => {
  if (!requirePostgres(t)) return;
  await raceTheLimits(t, await sharedPostgresDatabase());
});

test('a maintenance-window gate that cannot be computed on an MP does not take its policy down', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  assert.equal((await s.admin('POST', '/sites/PS1/collections', { name: 'late', hostGlob: 'held-*' })).status, 200);
  const window = { days: ['sat'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' };
  assert.equal((await s.admin('POST', '/sites/PS1/collections/late/windows', window)).status, 200);
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() } },
    respectWindows: true,
  });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  const committed = await s.admin<RolloutView>('POST', `/rollouts/${proposed.body.id}/commit`);
  assert.equal(committed.body.state, 'overlapping', JSON.stringify(committed.body));
  // A zone the MP's runtime does not know (the site server that stored it did): every hold fails.
  await s.server.db.updateTable('maintenance_windows').set({ time_zone: 'Mars/Olympus' }).execute();
  // A collection change makes every MP rebuild its policy and its gate.
  assert.equal((await s.admin('POST', '/sites/PS1/collections', { name: 'other', hostGlob: 'x-*' })).status, 200);

  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'held-1',
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: 't',
    }),
  );
  const registered = await call(`http://127.0.0.1:${s.server.info.ports.http.default}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const { policy } = registered.body as { policy: Policy };
  assert.equal(policy.settingsVersion, committed.body.newVersion, 'held no one back: the gate was never computed');
});
