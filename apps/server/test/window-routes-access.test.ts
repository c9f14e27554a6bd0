import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CollectionView, RolloutView } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { apiToken } from '../../../test-support/api-token.js';
import { freePort } from '../../../test-support/ports.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

type Err = { error: { code: string } };

/** Registers a client of site PS1 under `hostname`, as an agent would. */
async function registerClient(s: TestServer, hostname: string): Promise<void> {
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname,
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
}

test("a peer link token, which may change the site's ports, can neither manage client collections and windows nor learn client host names from a collection's member count", async (t) => {
  const s = await startTestServer(t);
  // A registered client whose host name the peer site should never learn.
  await registerClient(s, 'payroll-db7');
  const own = await s.admin<CollectionView>('POST', '/sites/PS1/collections', {
    name: 'payroll',
    hostGlob: 'payroll-*',
  });
  assert.equal(own.body.members, 1, 'the collection matches the registered client');
  const window = { days: ['sat'], start: '02:00', durationMinutes: 120, timeZone: 'UTC' };
  const added = await s.admin<CollectionView>('POST', '/sites/PS1/collections/payroll/windows', window);
  const windowId = added.body.windows[0]!.id;

  const peer = await apiToken(s, 'peer', ['PS1']);
  assert.equal((await s.admin('GET', '/sites/PS1/ports', undefined, peer)).status, 200, 'the peer reads the ports');
  const attempts: [string, string, unknown][] = [
    // A member count per guessed glob would spell out the site's host names letter by letter.
    ['POST', '/sites/PS1/collections', { name: 'probe', hostGlob: 'payroll-d*' }],
    ['POST', '/sites/PS1/collections/payroll/windows', { ...window, days: ['mon'] }],
    ['DELETE', `/sites/PS1/collections/payroll/windows/${windowId}`, undefined],
    ['DELETE', '/sites/PS1/collections/payroll', undefined],
  ];
  for (const [method, path, payload] of attempts) {
    const res = await s.admin<Err & Partial<CollectionView>>(method, path, payload, peer);
    assert.equal(res.status, 403, `peer ${method} ${path} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'E_FORBIDDEN');
  }
  const [kept] = (await s.admin<{ collections: CollectionView[] }>('GET', '/sites/PS1/collections')).body.collections;
  assert.deepEqual(
    [kept?.name, kept?.windows.map((w) => w.id)],
    ['payroll', [windowId]],
    'nothing the peer tried was applied',
  );

  const operator = await apiToken(s, 'operator', ['PS1']);
  const made = await s.admin('POST', '/sites/PS1/collections', { name: 'night', hostGlob: 'db-*' }, operator);
  assert.equal(made.status, 200, 'an operator of the site still manages collections');
});

test('a peer link token that runs a window-respecting rollout sees how many clients wait for a window, not which: no host names or client ids', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  await registerClient(s, 'payroll-db7');
  assert.equal(
    (await s.admin('POST', '/sites/PS1/collections', { name: 'payroll', hostGlob: 'payroll-*' })).status,
    200,
  );
  // A window that is not open now: three days ahead, for one minute.
  const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 3) % 7];
  const window = { days: [day], start: '12:00', durationMinutes: 1, timeZone: 'UTC' };
  assert.equal((await s.admin('POST', '/sites/PS1/collections/payroll/windows', window)).status, 200);

  const peer = await apiToken(s, 'peer', ['PS1']);
  const proposed = await s.admin<RolloutView>(
    'POST',
    '/sites/PS1/rollouts',
    { change: { http: { default: await freePort() } }, respectWindows: true },
    peer,
  );
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  const committed = await s.admin<RolloutView>('POST', `/rollouts/${proposed.body.id}/commit`, undefined, peer);
  assert.equal(committed.status, 200, JSON.stringify(committed.body));
  assert.equal(committed.body.waitingCount, 1, 'the peer sees the count');
  assert.deepEqual(
    committed.body.waiting,
    [],
    `no client named to the peer: ${JSON.stringify(committed.body.waiting)}`,
  );
  assert.ok(!JSON.stringify(committed.body).includes('payroll-db7'));

  const full = await s.admin<RolloutView>('GET', `/rollouts/${proposed.body.id}`);
  assert.equal(full.body.waiting?.[0]?.hostname, 'payroll-db7', 'a caller with site.read sees the waiting clients');
});
