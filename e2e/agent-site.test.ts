import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type ClientStatus, readClientStatus, runSetup } from '@siteport/agent';
import type { ClientList, PortsView } from '@siteport/protocol';
import { NftBlock } from '../test-support/nft-block.js';
import { requireTool } from '../test-support/require-tool.js';
import { runCli, startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { type TestServer, startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';
import { freePort } from '../test-support/ports.js';

type T = Parameters<typeof tempDir>[0];

/** A site with a 1 s policy interval and alternates for both protocols, and one installed client. */
async function siteWithClient(t: T, extra: string[] = [], httpOnly = false) {
  const s = await startTestServer(t, { policyIntervalSeconds: 1, httpAlternatePort: 0, httpsAlternatePort: 0 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const stateDir = path.join(tempDir(t), 'client');
  runSetup({
    stateDir,
    properties: [
      'SMSSITECODE=PS1',
      'SMSMP=127.0.0.1',
      `CCMHTTPPORT=${ports.http.default}`,
      `CCMHTTPSPORT=${ports.https.default}`,
      `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
    ],
    httpOnly,
  });
  const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn', ...extra], /$^/);
  agent.started.catch(() => undefined);
  t.after(() => {
    agent.child.kill('SIGTERM');
  });
  return { s, ports, stateDir, agent };
}

function contactOn(stateDir: string, port: number, protocol: 'http' | 'https'): () => ClientStatus | undefined {
  return () => {
    const status = readClientStatus(stateDir);
    return status.lastContact?.port === port && status.lastContact.protocol === protocol ? status : undefined;
  };
}

async function serverSees(s: TestServer, port: number): Promise<boolean> {
  const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
  return list.clients.length === 1 && list.clients[0]?.lastContact?.port === port;
}

test('a real agent registers over HTTPS with the pinned CA and checks in; the site sees the port it used', async (t) => {
  const { s, ports, stateDir } = await siteWithClient(t);
  const status = await waitFor('first HTTPS contact while running', () => {
    const seen = contactOn(stateDir, ports.https.default, 'https')();
    return seen?.state === 'running' ? seen : undefined;
  });
  assert.equal(status.siteCode, 'PS1');
  assert.deepEqual(status.ports.https, ports.https, 'alternates learned from policy');
  await waitFor('server records the contact', () => serverSees(s, ports.https.default));
  const cli = await runCli(['client', 'status', '--state', stateDir, '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  const json = JSON.parse(cli.stdout);
  assert.equal(json.lastContact.protocol, 'https');
  assert.equal(json.lastContact.port, ports.https.default);
  assert.ok(!Number.isNaN(Date.parse(json.lastContact.at)));
});

test('a port change through the admin API reaches the running agent through policy, and it then talks on the new port', async (t) => {
  const { s, ports, stateDir } = await siteWithClient(t);
  await waitFor('first contact', contactOn(stateDir, ports.https.default, 'https'));
  const moved = (await s.admin<any>('PATCH', '/sites/PS1/ports', { https: { default: await freePort() } })).body;
  const newPort = moved.ports.https.default as number;
  const status = await waitFor('agent talks on the new HTTPS port', contactOn(stateDir, newPort, 'https'));
  assert.equal(status.settingsVersion, 2);
  await waitFor('server sees the new port', () => serverSees(s, newPort));
});

test('falls back to the alternate HTTPS port when a firewall rejects the default, and returns when it is allowed again', async (t) => {
  if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
  const { ports, stateDir } = await siteWithClient(t, ['--retry-default-after', '2', '--request-timeout', '2']);
  await waitFor(
    'learned the alternates',
    () =>
      readClientStatus(stateDir).ports.https.alternate !== null && contactOn(stateDir, ports.https.default, 'https')(),
  );
  const firewall = new NftBlock();
  t.after(() => firewall.remove());
  firewall.block(ports.https.default);
  await waitFor('contact on the HTTPS alternate', contactOn(stateDir, ports.https.alternate!, 'https'));
  firewall.remove();
  await waitFor('back on the HTTPS default', contactOn(stateDir, ports.https.default, 'https'));
});

test('an HTTP client falls back to the alternate HTTP port and returns to the default', async (t) => {
  if (!requireTool(t, 'nft', 'apt-get install nftables')) return;
  const { ports, stateDir } = await siteWithClient(t, ['--retry-default-after', '2', '--request-timeout', '2'], true);
  await waitFor(
    'learned the alternates',
    () => readClientStatus(stateDir).ports.http.alternate !== null && contactOn(stateDir, ports.http.default, 'http')(),
  );
  const firewall = new NftBlock();
  t.after(() => firewall.remove());
  firewall.block(ports.http.default);
  await waitFor('contact on the HTTP alternate', contactOn(stateDir, ports.http.alternate!, 'http'));
  firewall.remove();
  await waitFor('back on the HTTP default', contactOn(stateDir, ports.http.default, 'http'));
});

test('portswitch brings back an agent whose site moved while it was off, and the record shows in client status', async (t) => {
  const { s, ports, stateDir, agent } = await siteWithClient(t);
  await waitFor('first contact', contactOn(stateDir, ports.https.default, 'https'));
  agent.child.kill('SIGTERM');
  await waitFor('agent stopped', () => !readClientStatus(stateDir).agentRunning);
  const a = await freePort();
  const b = await freePort();
  const change = (
    await s.admin<any>('PATCH', '/sites/PS1/ports', {
      http: { default: a, alternate: null },
      https: { default: b, alternate: null },
    })
  ).body;
  assert.equal(change.ports.http.default, a);
  // Wait until the overlap ends (2 × 1 s): the old ports are gone for good.
  await waitFor(
    'old ports closed',
    async () => (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.overlap.length === 0 || undefined,
    10_000,
  );
  await new Promise((r) => setTimeout(r, 2500));

  const restarted = startCli(['agent', '--state', stateDir, '--log-level', 'error', '--request-timeout', '1'], /$^/);
  restarted.started.catch(() => undefined);
  t.after(() => restarted.child.kill('SIGTERM'));
  await waitFor('agent finds no MP on its old ports', () => readClientStatus(stateDir).state === 'unreachable');

  const res = await runCli(['portswitch', '--state', stateDir, String(a), String(b)]);
  assert.equal(res.code, 0, res.stderr);
  const status = await waitFor('contact on the switched HTTPS port', contactOn(stateDir, b, 'https'));
  assert.equal(status.portSwitch?.httpPort, a);
  assert.equal(status.portSwitch?.httpsPort, b);
  assert.equal(status.portSwitch?.agentSignalled, true);
});
