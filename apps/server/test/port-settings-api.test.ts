import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { PortChangeResult, PortsView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { freePort, connects } from '../../../test-support/ports.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

test('a fresh site starts with the default ports except the ports given on the command line', async (t) => {
  const s = await startTestServer(t, { wakePort: 0 });
  const { status, body } = await s.admin<PortsView>('GET', '/sites/PS1/ports');
  assert.equal(status, 200);
  assert.equal(body.siteCode, 'PS1');
  assert.equal(body.wake, 9);
  assert.equal(body.http.alternate, null);
  assert.equal(body.https.alternate, null);
  assert.equal(body.customWebSite, false);
  assert.equal(body.communicationMode, 'https-or-http');
  assert.equal(body.version, 1);
  assert.equal(body.descriptions.http, 'Client request HTTP port');
});

test('a change is stored as a new version, opens the new port and keeps the old one overlapping', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const free = await freePort();
  const { status, body } = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', {
    http: { alternate: free },
    descriptions: { 'http-alternate': 'for the branch firewall' },
  });
  assert.equal(status, 200);
  assert.equal(body.ports.version, before.version + 1);
  assert.equal(body.ports.http.alternate, free);
  assert.equal(body.ports.descriptions['http-alternate'], 'for the branch firewall');
  assert.ok(await connects(free), 'the new alternate port accepts connections');

  const moved = await freePort();
  const second = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { http: { default: moved } });
  assert.equal(second.status, 200);
  assert.deepEqual(
    second.body.ports.overlap.map((o) => [o.protocol, o.port]),
    [['http', before.http.default]],
  );
  assert.ok(await connects(before.http.default), 'the old default still answers during the overlap');
  assert.ok(await connects(moved));
  assert.ok(second.body.warnings.some((w) => w.code === 'W_CLIENTS_ON_OLD_PORTS'));
});

test('old ports close once no active client is left on them (after one policy interval, and one active window after start)', async (t) => {
  // Taken before the start: the server's own start lies after it, so on a slow machine the
  // window measured from here can only look longer, never shorter, than the server's.
  const startedAt = Date.now();
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const moved = await freePort();
  await s.admin('PATCH', '/sites/PS1/ports', { http: { default: moved } });
  const changedAt = Date.now();
  assert.ok(await connects(before.http.default));
  await waitFor('the old port closed', async () => !(await connects(before.http.default)), 15_000);
  const closedAt = Date.now();
  assert.ok(closedAt - changedAt >= 900, 'open for at least one policy interval');
  assert.ok(closedAt - startedAt >= 2900, 'not before one active window (3 s) after the server started');
  assert.ok(await connects(moved));
  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.deepEqual(after.overlap, []);
});

test('invalid changes are refused with a stable code and a message, and nothing is stored', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const cases: [unknown, string, RegExp][] = [
    [{ http: { default: 0 } }, 'E_VALIDATION', /^http\.default must be a whole number from 1 to 65535, got 0$/],
    [{ http: { default: 65536 } }, 'E_VALIDATION', /got 65536/],
    [{ https: { default: -1 } }, 'E_VALIDATION', /^https\.default /],
    [{ https: { default: 'abc' } }, 'E_VALIDATION', /^https\.default .*got a string/],
    [{ http: { default: 80.5 } }, 'E_VALIDATION', /got 80.5/],
    [{ notification: null }, 'E_VALIDATION', /^notification .*got null/],
    [{ wake: 70000 }, 'E_VALIDATION', /^wake /],
    [
      { http: { alternate: before.http.default } },
      'E_PORT_CONFLICT',
      /http-alternate and http would both use TCP port/,
    ],
    [{ https: { default: before.http.default } }, 'E_PORT_CONFLICT', /https and http would both use/],
    [{ notification: before.https.default }, 'E_PORT_CONFLICT', /notification and https/],
    [{ gopher: 70 }, 'E_VALIDATION', /^gopher is not a field here; use expectedVersion, http, https/],
    [{ http: { primary: 80 } }, 'E_VALIDATION', /^http\.primary is not a field here; use default, alternate$/],
    [{ customWebSite: 'yes' }, 'E_VALIDATION', /true or false/],
    [{ communicationMode: 'http-only' }, 'E_VALIDATION', /communicationMode must be one of https-or-http, https-only/],
    [{ descriptions: { http: 'x'.repeat(300) } }, 'E_VALIDATION', /at most 256 characters/],
    [{ descriptions: { http: 'a\u0007b' } }, 'E_VALIDATION', /no control characters/],
    [{}, 'E_VALIDATION', /nothing to change/],
    [[1, 2], 'E_BAD_REQUEST', /JSON object/],
    ['{not json', 'E_BAD_REQUEST', /not valid JSON/],
    [{ expectedVersion: 99, wake: 7 }, 'E_VERSION_CONFLICT', /version 1, not 99/],
  ];
  for (const [body, code, message] of cases) {
    const res = await s.admin<ErrorBody>('PATCH', '/sites/PS1/ports', body);
    assert.equal(res.body.error.code, code, `${JSON.stringify(body)} → ${res.body.error.message}`);
    assert.match(res.body.error.message, message);
    assert.ok(res.status >= 400 && res.status < 500);
  }
  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.deepEqual(after, before, 'no rejected change left anything behind');
});

test('a port held by another program is refused with that program named, and nothing is stored', async (t) => {
  const s = await startTestServer(t);
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, r));
  t.after(() => new Promise<void>((r) => holder.close(() => r())));
  const port = (holder.address() as net.AddressInfo).port;
  const res = await s.admin<ErrorBody>('PATCH', '/sites/PS1/ports', { https: { alternate: port } });
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'E_PORT_IN_USE');
  assert.match(
    res.body.error.message,
    new RegExp(
      `https-alternate port ${port} is already in use on IPv4 \\(127\\.0\\.0\\.1\\) by node \\(pid ${process.pid}\\)`,
    ),
  );
  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.equal(after.version, 1);
});

test('the admin API refuses requests without the bearer token', async (t) => {
  const s = await startTestServer(t);
  const res = await s.admin<ErrorBody>('GET', '/sites/PS1/ports', undefined, 'wrong');
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, 'E_UNAUTHORIZED');
  const unknown = await s.admin<ErrorBody>('GET', '/sites/XX9/ports');
  assert.equal(unknown.body.error.code, 'E_SITE_NOT_FOUND');
  const bad = await s.admin<ErrorBody>('GET', '/sites/toolong/ports');
  assert.equal(bad.body.error.code, 'E_SITE_CODE');
});

test('every settings change is in the audit log with actor and old and new values', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  await s.admin('PATCH', '/sites/PS1/ports', { wake: 7 });
  const { body } = await s.admin<{ entries: { action: string; actor: string; oldValue: any; newValue: any }[] }>(
    'GET',
    '/audit?site=PS1',
  );
  assert.equal(body.entries.length, 1);
  const entry = body.entries[0]!;
  assert.equal(entry.action, 'ports.change');
  assert.equal(entry.actor, 'token:admin');
  assert.equal(entry.oldValue.wake, before.wake);
  assert.equal(entry.newValue.wake, 7);
});

test('the OpenAPI document is served and matches the committed docs/openapi.json', async (t) => {
  const s = await startTestServer(t);
  const served = await (await fetch(`${s.adminUrl}/api/v1/openapi.json`)).json();
  const { readFile } = await import('node:fs/promises');
  const committed = JSON.parse(await readFile(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
  assert.deepEqual(served, committed, 'run npm run openapi to refresh docs/openapi.json');
});
