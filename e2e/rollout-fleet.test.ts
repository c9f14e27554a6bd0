import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientList, ImpactReport, PortChangeResult, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet } from '../test-support/agent-fleet.js';
import { runCli } from '../test-support/run-cli.js';
import { startTestServer } from '../test-support/test-server.js';
import { waitFor } from '../test-support/wait-for.js';
import { freePort } from '../test-support/ports.js';

const COUNT = 50;
const OFFLINE = new Set([3, 11, 19, 27, 35, 43, 46, 49]);
const INTERNET = (i: number): boolean => i % 5 === 4;

test(`a rollout with ${COUNT} real agents of mixed categories: every online agent moves, offline ones are reported with remediation that brings them back`, async (t) => {
  // An active window of 10 policy intervals: on a loaded test machine an agent may miss a few beats.
  const s = await startTestServer(t, { policyIntervalSeconds: 1, activeWindowSeconds: 10, publicHosts: ['127.0.0.1'] });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const fleet = createFleet(t, {
    count: COUNT,
    ports,
    caFingerprint: s.server.info.caFingerprint,
    properties: (i) => (INTERNET(i) ? ['CCMHOSTNAME=127.0.0.1', 'CCMALWAYSINF=1'] : ['SMSMP=127.0.0.1']),
    httpOnly: (i) => i % 7 === 6,
  });
  await Promise.all(fleet.map((a) => a.start()));
  await waitFor(
    'every agent registered and checked in',
    async () => {
      const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
      return list.clients.length === COUNT && list.clients.every((c) => c.settingsVersion === 1);
    },
    60_000,
  );
  await Promise.all([...OFFLINE].map((i) => fleet[i]!.stop()));
  await waitFor(
    'the offline agents count as inactive',
    async () => {
      const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
      return list.filter((c) => c.activity === 'inactive').length === OFFLINE.size;
    },
    30_000,
  );

  const next = { http: await freePort(), https: await freePort() };
  const change = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', {
    http: { default: next.http },
    https: { default: next.https },
  });
  assert.equal(change.status, 200, JSON.stringify(change.body));
  const id = change.body.rolloutId!;
  const onOld = change.body.warnings.find((w) => w.code === 'W_CLIENTS_ON_OLD_PORTS');
  assert.match(onOld!.message, new RegExp(`^${COUNT} client\\(s\\) last talked on`));

  const done = await waitFor(
    'the rollout finalized on its own',
    async () => {
      const r = (await s.admin<RolloutView>('GET', `/rollouts/${id}`)).body;
      return r.state === 'finalized' ? r : undefined;
    },
    60_000,
  );
  assert.equal(done.outcome?.reason, 'all-moved');
  assert.equal(done.progress.moved, COUNT - OFFLINE.size);
  const offlineIds = [...OFFLINE].map((i) => fleet[i]!.status().clientId);
  assert.deepEqual(
    [...done.outcome.stranded].sort(),
    [...offlineIds].sort(),
    'exactly the offline agents are stranded',
  );
  for (const [i, agent] of fleet.entries()) {
    if (OFFLINE.has(i)) continue;
    const last = agent.status().lastContact!;
    assert.equal(last.port, last.protocol === 'http' ? next.http : next.https, `${agent.name} talks on the new ports`);
  }

  const clients = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
  const unmanaged = clients.filter((c) => c.managed === 'unmanaged').map((c) => c.clientId);
  assert.deepEqual(unmanaged.sort(), [...offlineIds].sort(), 'the stranded agents show as unmanaged');

  const impact = (await s.admin<ImpactReport>('GET', `/rollouts/${id}/impact`)).body;
  for (const i of OFFLINE) {
    const agent = fleet[i]!;
    const entry = impact.clients.find((c) => c.clientId === agent.status().clientId)!;
    assert.equal(entry.learnsVia, 'nothing');
    assert.equal(entry.atRisk, true);
    const command = entry.remediation[0]!;
    if (INTERNET(i))
      assert.match(
        command,
        new RegExp(
          `^siteport setup --state ${agent.stateDir} SMSSITECODE=PS1 CCMHOSTNAME=127.0.0.1 CCMALWAYSINF=1 CCMHTTPPORT=${next.http} CCMHTTPSPORT=${next.https} `,
        ),
      );
    else assert.equal(command, `siteport portswitch --state ${agent.stateDir} ${next.http} ${next.https}`);
    // Run the remediation exactly as the report prints it, then start the agent again.
    const result = await runCli(command.split(' ').slice(1));
    assert.equal(result.code, 0, `${command}: ${result.stderr}`);
    await agent.start();
  }
  await waitFor(
    'the remediated agents are managed again',
    async () => {
      const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients;
      return (
        list.length === COUNT &&
        list.every((c) => c.managed === 'managed' && c.activity === 'active' && c.settingsVersion === 2)
      );
    },
    60_000,
  );
});
