import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runSetup } from '@siteport/agent';
import type { ClientList, ImpactReport, PortsView, RolloutView } from '@siteport/protocol';
import { TestHost } from '../test-support/netns.js';
import { requireTool } from '../test-support/require-tool.js';
import { startCli } from '../test-support/run-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';
import { freePort } from '../test-support/ports.js';

test('a firewall that blocks the new port for the clients of one subnet shows up in pre-flight, before anything is committed', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const hosts = [new TestHost(71), new TestHost(72)];
  t.after(() => hosts.forEach((h) => h.remove()));
  const s = await startTestServer(t, {
    policyIntervalSeconds: 1,
    bindHost: '0.0.0.0',
    publicHosts: hosts.map((h) => h.hostAddress),
  });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const root = tempDir(t);
  hosts.forEach((host, i) => {
    const stateDir = path.join(root, `client-${i}`);
    runSetup({
      stateDir,
      properties: [
        'SMSSITECODE=PS1',
        `SMSMP=${host.hostAddress}`,
        `CCMHTTPPORT=${ports.http.default}`,
        `CCMHTTPSPORT=${ports.https.default}`,
        `SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
      ],
    });
    const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn', '--request-timeout', '2'], /$^/, {
      prefix: host.prefix,
    });
    agent.started.catch(() => undefined);
    t.after(() => agent.child.kill('SIGTERM'));
  });
  await waitFor(
    'both subnets registered',
    async () => (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients.length === 2,
    60_000,
  );
  const clients = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
  const blockedClient = clients.find((c) => c.lastContact?.address.endsWith(hosts[1]!.address))!;
  assert.ok(blockedClient, JSON.stringify(clients));

  const newHttp = await freePort('0.0.0.0');
  hosts[1]!.blockOutgoing(newHttp);
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: newHttp } },
    preflight: true,
  });
  assert.equal(proposed.body.state, 'preflight', JSON.stringify(proposed.body));
  const impact = await waitFor(
    'both clients reported the pre-flight',
    async () => {
      const report = (await s.admin<ImpactReport>('GET', `/rollouts/${proposed.body.id}/impact`)).body;
      return report.preflight?.reported === 2 ? report : undefined;
    },
    30_000,
  );
  assert.deepEqual(
    impact.preflight?.unreachable.map((u) => [u.protocol, u.port, u.clients]),
    [['http', newHttp, [blockedClient.clientId]]],
  );
  assert.match(
    impact.preflight.unreachable[0]!.message,
    new RegExp(`^1 client\\(s\\) cannot reach TCP ${newHttp} \\(HTTP\\): a firewall`),
  );
  const risky = impact.atRisk.map((c) => c.clientId);
  assert.deepEqual(risky, [blockedClient.clientId]);
  assert.match(impact.atRisk[0]!.remediation[0]!, new RegExp(`^allow TCP ${newHttp} between`));

  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.equal(after.version, ports.version, 'nothing was committed');
  assert.equal(after.http.default, ports.http.default);
  await s.admin('POST', `/rollouts/${proposed.body.id}/cancel`);
  await waitFor(
    'probe listener closed',
    async () =>
      !((await s.admin<any>('GET', '/sites/PS1')).body.listeners as { port: number }[]).some((l) => l.port === newHttp),
  );
});
