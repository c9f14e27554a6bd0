import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CollectionView, RolloutView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { apiToken } from '../../../test-support/api-token.js';
import { freePort } from '../../../test-support/ports.js';

type Err = { error: { code: string; message: string } };
interface AuditEntry {
  action: string;
  actor: string;
  newValue: Record<string, unknown> | null;
  oldValue: Record<string, unknown> | null;
}

test('collections and windows: clients.manage in the site scope, audited; reading needs site.read', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const token = (role: string, sites?: string[]): Promise<string> => apiToken(s, role, sites);
  const analyst = await token('analyst');
  const otherSite = await token('operator', ['XX1']);
  const body = { name: 'night', hostGlob: 'db-*' };
  assert.equal((await s.admin<Err>('POST', '/sites/PS1/collections', body, analyst)).status, 403);
  assert.equal((await s.admin<Err>('POST', '/sites/PS1/collections', body, otherSite)).status, 403);
  assert.equal((await s.admin<Err>('GET', '/sites/PS1/collections', undefined, otherSite)).status, 403);
  const created = await s.admin<CollectionView>('POST', '/sites/PS1/collections', body);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(
    (await s.admin<{ collections: CollectionView[] }>('GET', '/sites/PS1/collections', undefined, analyst)).status,
    200,
  );
  const window = { days: ['sat'], start: '02:00', durationMinutes: 120, timeZone: 'Europe/Berlin' };
  assert.equal((await s.admin<Err>('POST', '/sites/PS1/collections/night/windows', window, analyst)).status, 403);
  const added = await s.admin<CollectionView>('POST', '/sites/PS1/collections/night/windows', window);
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const w = added.body.windows[0]!;
  assert.match(w.next?.local ?? '', /^\d{4}-\d{2}-\d{2} 02:00:00 \+0[12]:00$/);
  const id = w.id;
  assert.equal(
    (await s.admin<Err>('DELETE', `/sites/PS1/collections/night/windows/${id}`, undefined, otherSite)).status,
    403,
  );
  assert.equal(
    (await s.admin<CollectionView>('DELETE', `/sites/PS1/collections/night/windows/${id}`)).body.windows.length,
    0,
  );
  assert.equal((await s.admin<Err>('DELETE', '/sites/PS1/collections/night', undefined, analyst)).status, 403);
  assert.equal((await s.admin('DELETE', '/sites/PS1/collections/night')).status, 200);
  const audit = (await s.admin<{ entries: AuditEntry[] }>('GET', '/audit?site=PS1')).body.entries;
  for (const action of ['collection.create', 'window.add', 'window.remove', 'collection.delete'])
    assert.ok(
      audit.some((e) => e.action === action && e.actor.startsWith('token:')),
      action,
    );
});

test('hostile input is refused at the edge with a stable code and stores nothing', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const refuse = async (path: string, body: unknown, code: string) => {
    const res = await s.admin<Err>('POST', path, body);
    assert.equal(res.body.error?.code, code, `${JSON.stringify(body).slice(0, 120)}: ${JSON.stringify(res.body)}`);
  };
  await refuse('/sites/PS1/collections', { name: 'x'.repeat(65), hostGlob: 'a*' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: '../etc', hostGlob: 'a*' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', hostGlob: '(a+)+$' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', hostGlob: 'a'.repeat(254) }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', hostGlob: 'a\u0000b' }, 'E_VALIDATION');
  const ids = Array.from({ length: 1001 }, (_, i) => `client-${i}`);
  await refuse('/sites/PS1/collections', { name: 'ok', clientIds: ids }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', subnets: ['10.0.0.0/8', '10.0.0.0/8'] }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', subnets: ['999.0.0.0/8'] }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections', { name: 'ok', hostGlob: 'a*', extra: 1 }, 'E_VALIDATION');
  assert.deepEqual((await s.admin<{ collections: unknown[] }>('GET', '/sites/PS1/collections')).body.collections, []);

  assert.equal(
    (await s.admin('POST', '/sites/PS1/collections', { name: 'ok', clientIds: ids.slice(0, 1000) })).status,
    200,
  );
  await refuse('/sites/PS1/collections', { name: 'ok', hostGlob: 'b*' }, 'E_COLLECTION_EXISTS');
  const win = { days: ['mon'], start: '02:00', durationMinutes: 60, timeZone: 'UTC' };
  await refuse('/sites/PS1/collections/ok/windows', { ...win, timeZone: 'Mars/Olympus' }, 'E_TIME_ZONE');
  await refuse('/sites/PS1/collections/ok/windows', { ...win, timeZone: '../../etc/passwd' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections/ok/windows', { ...win, start: '24:00' }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections/ok/windows', { ...win, durationMinutes: 1441 }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections/ok/windows', { ...win, days: ['mon', 'mon'] }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections/ok/windows', { ...win, days: ['funday'] }, 'E_VALIDATION');
  await refuse('/sites/PS1/collections/none/windows', win, 'E_COLLECTION_NOT_FOUND');
  const missing = await s.admin<Err>('DELETE', '/sites/PS1/collections/ok/windows/nope');
  assert.equal(missing.body.error.code, 'E_WINDOW_NOT_FOUND');
  for (let i = 0; i < 20; i += 1) {
    const res = await s.admin('POST', '/sites/PS1/collections/ok/windows', { ...win, start: `0${i % 10}:0${i % 6}` });
    assert.equal(res.status, 200);
  }
  await refuse('/sites/PS1/collections/ok/windows', win, 'E_COLLECTION_LIMIT');
  const [listed] = (await s.admin<{ collections: CollectionView[] }>('GET', '/sites/PS1/collections')).body.collections;
  assert.equal(listed?.windows.length, 20);
});

test('a rollout proposed with respectWindows says so and gets an eight-day default deadline', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const res = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() } },
    respectWindows: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.respectWindows, true);
  assert.deepEqual([res.body.waiting, res.body.waitingCount], [[], 0]);
  const days = (Date.parse(res.body.deadline) - Date.parse(res.body.createdAt)) / 86_400_000;
  assert.equal(days, 8);
  const bad = await s.admin<Err>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: 1 } },
    respectWindows: 'yes',
  });
  assert.equal(bad.body.error.code, 'E_VALIDATION');
});
