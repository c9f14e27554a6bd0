import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CollectionView } from '@siteport/protocol';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { apiToken } from '../../../test-support/api-token.js';
import { startTestServer } from '../../../test-support/test-server.js';

type Err = { error: { code: string } };

test("a peer link token, which may change the site's ports, can neither manage client collections and windows nor learn client host names from a collection's member count", async (t) => {
  const s = await startTestServer(t);
  // A registered client whose host name the peer site should never learn.
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'payroll-db7',
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
