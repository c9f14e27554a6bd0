import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImpactReport, PortPlan, ReachabilityMatrix, RolloutView } from '@siteport/protocol';
import { freePort } from '../test-support/ports.js';
import { requireTool } from '../test-support/require-tool.js';
import { startSubnetAgents, startSubnetSite } from '../test-support/subnet-site.js';
import { runCli } from '../test-support/run-cli.js';
import { waitFor } from '../test-support/wait-for.js';

const OPEN = '10.231.150.0/24';
const WALLED = '10.231.151.0/24';

test('real agents in two subnets report which MP ports they reach; a firewall on one subnet shows in the map, the admin API, ports plan and a pre-flight that feeds the map', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const site = await startSubnetSite(t, [150, 151]);
  const { s, ports, hosts } = site;
  // The walled subnet cannot reach the notification port.
  hosts[1]!.blockOutgoing(ports.notification);
  const set = await s.admin('PUT', '/sites/PS1/reachability/settings', {
    intervalSeconds: 5,
    staleHours: 24,
    candidates: [],
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  startSubnetAgents(t, site);

  const cellOf = (m: ReachabilityMatrix, subnet: string, port: number) =>
    m.subnets.find((r) => r.subnet === subnet)?.cells.find((c) => c.port === port);
  const matrix = await waitFor(
    'both subnets reported every port',
    async () => {
      const m = (await s.admin<ReachabilityMatrix>('GET', '/sites/PS1/reachability')).body;
      const tested = [OPEN, WALLED].every((subnet) =>
        [ports.http.default, ports.https.default, ports.notification].every(
          (port) => cellOf(m, subnet, port)?.state !== 'not-tested' && cellOf(m, subnet, port) !== undefined,
        ),
      );
      return tested ? m : undefined;
    },
    90_000,
  );
  assert.deepEqual(matrix.ports.find((p) => p.port === ports.notification)?.roles, ['notification']);
  for (const subnet of [OPEN, WALLED]) {
    assert.equal(cellOf(matrix, subnet, ports.http.default)?.state, 'reachable', subnet);
    assert.equal(cellOf(matrix, subnet, ports.https.default)?.state, 'reachable', subnet);
  }
  const walled = cellOf(matrix, WALLED, ports.notification)!;
  assert.deepEqual([walled.state, walled.blocked, walled.reachable], ['blocked', 1, 0]);
  assert.match(walled.lastSeen ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(cellOf(matrix, OPEN, ports.notification)?.state, 'reachable');

  const connect = ['--server', s.adminUrl, '--data', s.dataDir];
  const notify = await runCli(['ports', 'plan', '--notification', String(ports.notification), '--json', ...connect]);
  assert.equal(notify.code, 0, notify.stderr);
  const notifyPlan = JSON.parse(notify.stdout) as PortPlan;
  assert.equal(notifyPlan.clients, 2);
  assert.deepEqual(notifyPlan.items[0]!.loseSubnets, [{ subnet: WALLED, clients: 1 }]);
  assert.equal(notifyPlan.items[0]!.reachable, 1);

  // A port nobody tested yet: every client is unknown.
  const newHttp = await freePort('0.0.0.0');
  const before = await runCli(['ports', 'plan', '--http', String(newHttp), ...connect]);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, new RegExp(`http → ${newHttp}: 0 reach it, 0 would lose their MP, 2 unknown`));
  assert.match(
    before.stdout,
    /unknown \(not tested or stale\): 10\.231\.15[01]\.0\/24 \(1\), 10\.231\.15[01]\.0\/24 \(1\)/,
  );

  // The pre-flight opens the port in probe mode; what the clients found goes into the map.
  hosts[1]!.blockOutgoing(newHttp);
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: newHttp } },
    preflight: true,
  });
  assert.equal(proposed.body.state, 'preflight', JSON.stringify(proposed.body));
  await waitFor(
    'both clients reported the pre-flight',
    async () =>
      (await s.admin<ImpactReport>('GET', `/rollouts/${proposed.body.id}/impact`)).body.preflight?.reported === 2,
    60_000,
  );
  const after = await runCli(['ports', 'plan', '--http', String(newHttp), ...connect]);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, new RegExp(`http → ${newHttp}: 1 reach it, 1 would lose their MP, 0 unknown`));
  assert.match(after.stdout, new RegExp(`would lose their MP: ${WALLED.replace(/\./g, '\\.')} \\(1\\)`));
  const m = (await s.admin<ReachabilityMatrix>('GET', '/sites/PS1/reachability')).body;
  assert.deepEqual(m.ports.find((p) => p.port === newHttp)?.roles, ['preflight']);
  assert.equal(cellOf(m, WALLED, newHttp)?.state, 'blocked');
  assert.equal(cellOf(m, OPEN, newHttp)?.state, 'reachable');
  await s.admin('POST', `/rollouts/${proposed.body.id}/cancel`);

  // A second pre-flight of the same port takes every client's result from the map and probes nothing.
  await waitFor(
    'probe listener closed',
    async () =>
      !((await s.admin<any>('GET', '/sites/PS1')).body.listeners as { port: number }[]).some((l) => l.port === newHttp),
  );
  const again = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: newHttp } },
    preflight: true,
  });
  assert.equal(again.body.state, 'preflight', JSON.stringify(again.body));
  const fromMap = await waitFor(
    'the pre-flight took both clients from the map',
    async () => {
      const report = (await s.admin<ImpactReport>('GET', `/rollouts/${again.body.id}/impact`)).body;
      return report.preflight?.fromMap === 2 ? report : undefined;
    },
    30_000,
  );
  const walledClient = fromMap.clients.find((c) => c.probe?.some((r) => !r.reachable));
  assert.ok(
    walledClient?.probe?.every((r) => r.fromMap === true && r.port === newHttp),
    JSON.stringify(fromMap),
  );
  assert.deepEqual(
    fromMap.preflight?.unreachable.map((u) => [u.port, u.clients]),
    [[newHttp, [walledClient!.clientId]]],
  );
  await s.admin('POST', `/rollouts/${again.body.id}/cancel`);

  const bad = await runCli(['ports', 'plan', '--http', '70000', ...connect]);
  assert.equal(bad.code === 0, false);
  assert.match(bad.stderr, /E_OPTION.*--http takes a port from 1 to 65535/s);
  const none = await runCli(['ports', 'plan', ...connect]);
  assert.match(none.stderr, /name at least one port to plan/);
});
