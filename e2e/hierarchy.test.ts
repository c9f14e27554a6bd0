import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { readClientStatus, runSetup } from '@siteport/agent';
import type { HierarchyView, PortsView, SiteView } from '@siteport/protocol';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

type T = Parameters<typeof tempDir>[0];
const PORT_FLAGS = ['--admin-port', '0', '--http-port', '0', '--https-port', '0', '--notification-port', '0'];

/** Starts `siteport server …` as its own process; resolves with its admin URL once the banner is out. */
async function startServer(t: T, args: string[]) {
  const proc = startCli(['server', ...args, '--log-level', 'warn'], /client communication mode/);
  t.after(() => {
    proc.child.kill('SIGKILL');
  });
  const banner = await proc.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1];
  assert.ok(adminUrl, banner);
  return { proc, adminUrl };
}

function api(adminUrl: string, tokenFile: string) {
  const token = readFileSync(tokenFile, 'utf8').trim();
  return async <B = any>(method: string, p: string, body?: unknown): Promise<{ status: number; body: B }> => {
    const res = await fetch(`${adminUrl}/api/v1${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as B };
  };
}

async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen({ host, port: 0 }, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function mpSiteOn(host: string, port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${host}:${port}/mp/v1/ca`);
    return res.ok ? ((await res.json()) as { siteCode: string }).siteCode : undefined;
  } catch {
    return undefined;
  }
}

test('a secondary site server inherits its primary ports, follows a change while running, refuses a direct change, and keeps serving when the primary is gone', async (t) => {
  const primaryData = tempDir(t);
  const primary = await startServer(t, [
    '--data',
    primaryData,
    '--site-code',
    'PS1',
    '--bind',
    '127.0.0.1',
    ...PORT_FLAGS,
  ]);
  const primaryApi = api(primary.adminUrl, path.join(primaryData, 'admin-token'));
  const pPorts = (await primaryApi<PortsView>('GET', '/sites/PS1/ports')).body;

  // The secondary runs on its own host address (127.0.0.2), so it can bind the same port numbers.
  const secondaryData = tempDir(t);
  const secondary = await startServer(t, [
    '--data',
    secondaryData,
    '--site-code',
    'S01',
    '--bind',
    '127.0.0.2',
    '--admin-port',
    '0',
    '--policy-interval',
    '1',
    '--parent',
    primary.adminUrl,
    '--parent-token-file',
    path.join(primaryData, 'admin-token'),
    '--parent-wait',
    '20',
  ]);
  const secondaryApi = api(secondary.adminUrl, path.join(secondaryData, 'admin-token'));

  const inherited = (await secondaryApi<PortsView>('GET', '/sites/S01/ports')).body;
  assert.equal(inherited.inheritedFrom, 'PS1');
  assert.deepEqual([inherited.http, inherited.https, inherited.version], [pPorts.http, pPorts.https, pPorts.version]);
  assert.equal(
    await mpSiteOn('127.0.0.2', pPorts.http.default),
    'S01',
    "the secondary's own MP serves the inherited HTTP port",
  );

  // A real agent of the secondary site, talking HTTP to the secondary's MP.
  const stateDir = path.join(tempDir(t), 'client');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=S01',
      'SMSMP=127.0.0.2',
      `CCMHTTPPORT=${pPorts.http.default}`,
      `CCMHTTPSPORT=${pPorts.https.default}`,
    ],
    httpOnly: true,
  });
  const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn'], /$^/);
  agent.started.catch(() => undefined);
  t.after(() => {
    agent.child.kill('SIGTERM');
  });
  await waitFor(
    'the agent checks in on the inherited port',
    () => readClientStatus(stateDir).lastContact?.port === pPorts.http.default,
  );

  const listed = await waitFor('the primary lists the secondary in sync', async () => {
    const sites = (await primaryApi<{ sites: SiteView[] }>('GET', '/sites')).body.sites;
    const s01 = sites.find((s) => s.siteCode === 'S01');
    return s01?.sync?.state === 'in-sync' ? s01 : undefined;
  });
  assert.equal(listed.kind, 'secondary');
  assert.equal(listed.parentCode, 'PS1');
  assert.equal((await primaryApi<SiteView>('GET', '/sites/S01')).body.sync?.adminUrl, secondary.adminUrl);

  // Change on the primary, through the CLI; the secondary follows while running.
  const moved = await freePort('127.0.0.1');
  const set = await runCli(['ports', 'set', '--server', primary.adminUrl, '--data', primaryData, `http=${moved}`]);
  assert.equal(set.code, 0, set.stderr);
  const changedAt = Date.now();
  const followed = await waitFor('the secondary mirrors the change', async () => {
    const v = (await secondaryApi<PortsView>('GET', '/sites/S01/ports')).body;
    return v.http.default === moved ? v : undefined;
  });
  t.diagnostic(
    `secondary mirrored the primary's change ${Date.now() - changedAt} ms after the primary stored it (upper bound: includes this check's 100 ms polling)`,
  );
  assert.equal(followed.version, pPorts.version + 1);
  assert.deepEqual(
    followed.overlap.map((o) => [o.protocol, o.port]),
    [['http', pPorts.http.default]],
    'the old port overlaps on the secondary too',
  );
  await waitFor(
    "the secondary's MP listens on the new port",
    async () => (await mpSiteOn('127.0.0.2', moved)) === 'S01',
  );
  await waitFor(
    'the agent of the secondary moves to the new port',
    () => readClientStatus(stateDir).lastContact?.port === moved,
    30_000,
  );

  // A direct change on the secondary is refused with the code and what to do, and stores nothing.
  const direct = await runCli(['ports', 'set', '--server', secondary.adminUrl, '--data', secondaryData, 'wake=7']);
  assert.equal(direct.code, 1);
  assert.match(
    direct.stderr,
    /^siteport: E_INHERITED: site S01 inherits its ports from primary PS1; change them there: siteport ports set --server/,
  );
  const show = await runCli(['ports', 'show', '--server', secondary.adminUrl, '--data', secondaryData]);
  assert.match(show.stdout, /inherited from primary site PS1/);
  const audit = (
    await secondaryApi<{ entries: { action: string; actor: string; newValue: any }[] }>('GET', '/audit?site=S01')
  ).body.entries;
  assert.equal(audit[0]?.action, 'ports.inherit');
  assert.equal(audit[0]?.actor, 'primary:PS1');
  assert.equal(audit[0]?.newValue.http.default, moved);

  // The primary goes away: the secondary keeps serving its last settings and says so.
  primary.proc.child.kill('SIGKILL');
  const link = await waitFor(
    'the secondary reports the primary unreachable',
    async () => {
      const h = (await secondaryApi<HierarchyView>('GET', '/hierarchy')).body;
      return h.parent?.state === 'primary-unreachable' ? h.parent : undefined;
    },
    60_000,
  );
  assert.equal(link.siteCode, 'PS1');
  assert.ok(link.unreachableSince !== null && link.lastError !== null);
  assert.equal(await mpSiteOn('127.0.0.2', moved), 'S01', 'the MP still serves the last known port');
  assert.equal((await secondaryApi<PortsView>('GET', '/sites/S01/ports')).body.http.default, moved);
});

test('a secondary server needs its primary at first start, and refuses a primary data dir', async (t) => {
  const tokenFile = path.join(tempDir(t), 'token');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(tokenFile, 'x'.repeat(40));
  const unreachable = await runCli([
    'server',
    '--data',
    tempDir(t),
    '--site-code',
    'S02',
    ...PORT_FLAGS,
    '--parent',
    'http://127.0.0.1:1',
    '--parent-token-file',
    tokenFile,
  ]);
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    /^siteport: E_PEER_UNREACHABLE: cannot create secondary site S02: its primary must answer at first start/,
  );
  const noToken = await runCli(['server', '--data', tempDir(t), '--parent', 'http://127.0.0.1:1']);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /E_OPTION: --parent needs --parent-token-file/);
});
