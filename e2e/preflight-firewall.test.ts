import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientList, ImpactReport, PortsView, RolloutView } from '@siteport/protocol';
import { requireTool } from '../test-support/require-tool.js';
import { startSubnetAgents, startSubnetSite } from '../test-support/subnet-site.js';
import { waitFor } from '../test-support/wait-for.js';
import { freePort } from '../test-support/ports.js';

test('a firewall that blocks the new port for the clients of one subnet shows up in pre-flight, before anything is committed', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2') || !requireTool(t, 'nft', 'apt-get install nftables')) return;
  const site = await startSubnetSite(t, [71, 72]);
  const { s, ports, hosts } = site;
  startSubnetAgents(t, site);
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
