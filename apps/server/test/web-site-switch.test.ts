import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { PortChangeResult, PortsView, WebSitesView } from '@siteport/protocol';
import { startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';

type ErrorBody = { error: { code: string; message: string } };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** GET over plain HTTP; returns status and body text (0 when nothing listens). */
async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

test('the custom web site switch moves the MP to SMSWeb and leaves the other applications on the default web site', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const A = before.http.default;
  const added = await s.admin<WebSitesView>('POST', '/sites/PS1/web-applications', {
    name: 'Reports',
    path: '/reports',
    content: 'monthly reports',
  });
  assert.equal(added.status, 200);
  assert.deepEqual(
    added.body.defaultWebSite.applications.map((a) => a.path),
    ['/ccmsetup', '/reports'],
  );

  // Without the custom web site the MP and the applications share the default web site on the request ports.
  assert.equal((await get(A, '/mp/v1/ca')).status, 200);
  assert.equal((await get(A, '/reports')).text, 'monthly reports');
  const manifest = JSON.parse((await get(A, '/ccmsetup/manifest.json')).text) as {
    siteCode: string;
    files: { name: string }[];
  };
  assert.equal(manifest.siteCode, 'PS1');
  assert.deepEqual(
    manifest.files.map((f) => f.name),
    ['ccmsetup.sh', 'ca.pem'],
  );
  const script = (await get(A, '/ccmsetup/ccmsetup.sh')).text;
  assert.match(
    script,
    new RegExp(
      `siteport setup .* SMSSITECODE=PS1 SMSMP=127\\.0\\.0\\.1 CCMHTTPPORT=${A} CCMHTTPSPORT=${before.https.default} SMSCAFINGERPRINT=`,
    ),
  );

  // Switching to SMSWeb alone would put SMSWeb on the default web site's ports: refused, nothing stored.
  const clash = await s.admin<ErrorBody>('PATCH', '/sites/PS1/ports', { customWebSite: true });
  assert.equal(clash.status, 400);
  assert.equal(clash.body.error.code, 'E_PORT_CONFLICT');
  assert.match(
    clash.body.error.message,
    /default web site, which stays on HTTP \d+ and HTTPS \d+ with its applications \(Client installer \(\/ccmsetup\), Reports \(\/reports\)\)/,
  );
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, before.version);

  const [C, D] = [await freePort(), await freePort()];
  const switched = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', {
    customWebSite: true,
    http: { default: C },
    https: { default: D },
  });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  const note = switched.body.warnings.find((w) => w.code === 'W_MP_TO_SMSWEB');
  assert.deepEqual(note?.applications, ['Client installer (/ccmsetup)', 'Reports (/reports)']);

  const web = (await s.admin<WebSitesView>('GET', '/sites/PS1/web-sites')).body;
  assert.deepEqual(web.defaultWebSite.bindings, [
    { protocol: 'http', port: A },
    { protocol: 'https', port: before.https.default },
  ]);
  assert.equal(web.defaultWebSite.hostsManagementPoint, false);
  assert.deepEqual(web.smsWeb?.bindings, [
    { protocol: 'https', port: D },
    { protocol: 'http', port: C },
  ]);

  // The MP answers on SMSWeb at once (no restart); the applications are not on SMSWeb.
  assert.equal((await get(C, '/mp/v1/ca')).status, 200);
  assert.equal((await get(C, '/reports')).status, 404);
  // After the overlap (2 policy intervals) the MP has left the default web site; the applications stay.
  await waitFor(
    'the MP leaves the default web site after the overlap',
    async () => (await get(A, '/mp/v1/ca')).status === 404,
    15_000,
  );
  assert.match((await get(A, '/mp/v1/ca')).text, /custom web site SMSWeb/);
  assert.equal((await get(A, '/reports')).text, 'monthly reports');
  assert.equal(JSON.parse((await get(A, '/ccmsetup/manifest.json')).text).settingsVersion, before.version + 1);
  assert.equal((await get(C, '/mp/v1/ca')).status, 200);

  // Moving the default web site lists the applications that move; the MP stays on SMSWeb.
  const E = await freePort();
  const move = await s.admin<{ webSites: WebSitesView; warnings: { code: string; applications?: string[] }[] }>(
    'PATCH',
    '/sites/PS1/web-sites/default',
    { http: E },
  );
  assert.equal(move.status, 200, JSON.stringify(move.body));
  assert.deepEqual(move.body.warnings[0]?.applications, ['Client installer (/ccmsetup)', 'Reports (/reports)']);
  await waitFor(
    'the applications answer on the moved default web site',
    async () => (await get(E, '/reports')).text === 'monthly reports',
  );
  assert.equal((await get(A, '/reports')).status, 0, 'nothing listens on the old default web site port');

  // Back to the default web site: the MP keeps the request ports and the applications move onto them.
  const back = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { customWebSite: false });
  assert.equal(back.status, 200);
  assert.deepEqual(back.body.warnings.find((w) => w.code === 'W_WEB_APPS_MOVE')?.applications, [
    'Client installer (/ccmsetup)',
    'Reports (/reports)',
  ]);
  await waitFor(
    'the applications are on the request ports again',
    async () => (await get(C, '/reports')).text === 'monthly reports',
  );
  assert.equal((await get(C, '/mp/v1/ca')).status, 200);
  await waitFor(
    'the separate default web site listener is closed',
    async () => (await get(E, '/reports')).status === 0,
  );
});

test('a request port change on the shared default web site lists the applications that move with it', async (t) => {
  const s = await startTestServer(t);
  await s.admin('POST', '/sites/PS1/web-applications', { name: 'Wiki', path: '/wiki' });
  const res = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { http: { default: await freePort() } });
  assert.equal(res.status, 200);
  const w = res.body.warnings.find((x) => x.code === 'W_WEB_APPS_MOVE');
  assert.deepEqual(w?.applications, ['Client installer (/ccmsetup)', 'Wiki (/wiki)']);
  assert.match(w?.message ?? '', /move with it and may break/);
});

test('bad web application input is refused with a code and nothing is stored', async (t) => {
  const s = await startTestServer(t);
  const table: [unknown, string, RegExp][] = [
    [{ name: 'X', path: 'no-slash' }, 'E_VALIDATION', /path must be a path like \/reports/],
    [{ name: 'X', path: '/mp/v1/evil' }, 'E_VALIDATION', /under \/mp, which the site system uses/],
    [{ name: 'X', path: '/ccmsetup/x' }, 'E_VALIDATION', /under \/ccmsetup/],
    [{ name: '', path: '/x' }, 'E_VALIDATION', /name must be/],
    [{ name: 'X', path: '/x', extra: 1 }, 'E_VALIDATION', /extra is not a field here; use name, path, content/],
    [[1], 'E_BAD_REQUEST', /JSON object/],
  ];
  for (const [body, code, message] of table) {
    const res = await s.admin<ErrorBody>('POST', '/sites/PS1/web-applications', body);
    assert.equal(res.body.error.code, code, JSON.stringify(body));
    assert.match(res.body.error.message, message);
  }
  assert.equal((await s.admin('POST', '/sites/PS1/web-applications', { name: 'A', path: '/a' })).status, 200);
  const dup = await s.admin<ErrorBody>('POST', '/sites/PS1/web-applications', { name: 'B', path: '/a' });
  assert.equal(dup.body.error.code, 'E_WEB_APP_CONFLICT');
  const moveShared = await s.admin<ErrorBody>('PATCH', '/sites/PS1/web-sites/default', { http: 8088 });
  assert.equal(moveShared.body.error.code, 'E_VALIDATION');
  const apps = (await s.admin<WebSitesView>('GET', '/sites/PS1/web-sites')).body.defaultWebSite.applications;
  assert.deepEqual(
    apps.map((a) => a.path),
    ['/ccmsetup', '/a'],
  );
});
