import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import type { ClientList, ImpactReport, PortChangeResult, PortsView, RolloutView } from '@siteport/protocol';
import { createFleet, type FleetAgent } from '../../../test-support/agent-fleet.js';
import { TestMpClient, call } from '../../../test-support/mp-client.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { freePort, connects } from '../../../test-support/ports.js';

type T = Parameters<typeof startTestServer>[0];

async function siteWithFleet(t: T, count: number, activeWindowSeconds?: number) {
  const s = await startTestServer(t, {
    policyIntervalSeconds: 1,
    ...(activeWindowSeconds === undefined ? {} : { activeWindowSeconds }),
  });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const fleet = createFleet(t, {
    count,
    ports,
    caFingerprint: s.server.info.caFingerprint,
    httpOnly: (i) => i % 3 === 2,
  });
  await Promise.all(fleet.map((a) => a.start()));
  await waitFor('every agent checked in', async () => {
    const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
    return (
      list.clients.length === count && list.clients.every((c) => c.lastContact !== null && c.settingsVersion === 1)
    );
  });
  return { s, ports, fleet };
}

const onPort = (fleet: FleetAgent[], http: number, https: number) => () =>
  fleet.every((a) => {
    const last = a.status().lastContact;
    return last !== null && (last.protocol === 'http' ? last.port === http : last.port === https);
  });

async function rollout(s: TestServer, id: string): Promise<RolloutView> {
  return (await s.admin<RolloutView>('GET', `/rollouts/${id}`)).body;
}

test('a committed rollout moves every active agent to the new ports and closes the old ones once nobody is left on them', async (t) => {
  const { s, ports, fleet } = await siteWithFleet(t, 6);
  const [http, https] = [await freePort(), await freePort()];
  const proposed = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: http }, https: { default: https } },
  });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  assert.equal(proposed.body.state, 'validated');
  assert.equal(
    (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version,
    1,
    'nothing is announced before commit',
  );

  const committed = await s.admin<RolloutView>('POST', `/rollouts/${proposed.body.id}/commit`);
  assert.equal(committed.body.state, 'overlapping');
  assert.ok(await connects(ports.http.default), 'old HTTP still served during the overlap');
  assert.ok(await connects(http));
  await waitFor('every agent on the new ports', onPort(fleet, http, https));
  const done = await waitFor('rollout finalized', async () => {
    const r = await rollout(s, proposed.body.id);
    return r.state === 'finalized' ? r : undefined;
  });
  assert.equal(done.outcome?.reason, 'all-moved');
  assert.deepEqual(done.outcome?.stranded, []);
  assert.equal(done.progress.moved, 6);
  // The state is stored first, then the listeners follow it: the old ports close right after.
  await waitFor('old HTTP port closed', async () => !(await connects(ports.http.default)), 5000);
  await waitFor('old HTTPS port closed', async () => !(await connects(ports.https.default)), 5000);
  const list = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body;
  assert.ok(list.clients.every((c) => c.managed === 'managed'));
});

test('rollback mid-overlap brings every moved agent back to the old ports', async (t) => {
  // A long active window keeps the rollout from finalizing (one active window after the server
  // started) before the rollback, however slowly a loaded machine moves the agents.
  const { s, ports, fleet } = await siteWithFleet(t, 5, 20);
  const http = await freePort();
  const change = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { http: { default: http } });
  assert.ok(change.body.rolloutId);
  await waitFor('HTTP agents on the new port', onPort(fleet, http, ports.https.default));
  const back = await s.admin<RolloutView>('POST', `/rollouts/${change.body.rolloutId}/rollback`);
  assert.equal(back.body.state, 'rolling-back');
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.http.default, ports.http.default);
  assert.ok(await connects(http), 'the new port is still served until the movers are back');
  await waitFor('every agent back on the old ports', onPort(fleet, ports.http.default, ports.https.default));
  const ended = await waitFor(
    'rolled back',
    async () => {
      const r = await rollout(s, change.body.rolloutId!);
      return r.state === 'rolled-back' ? r : undefined;
    },
    45_000,
  );
  assert.deepEqual(ended.outcome?.stranded, []);
  // The state is stored first, then the listeners follow it: the port closes right after.
  await waitFor('the new port closed', async () => !(await connects(http)), 5000);
});

test('finalize is refused while an active client is on the old ports; forced, it strands that client, which shows as unmanaged', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  // A client that keeps talking on the old HTTP port and never downloads policy.
  const stubborn = new TestMpClient();
  const base = `http://127.0.0.1:${ports.http.default}`;
  const regBody = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: 'stubborn',
      publicKey: stubborn.publicKeyPem,
      category: 'workgroup',
      agentVersion: 't',
    }),
  );
  stubborn.clientId = (
    await call(`${base}/mp/v1/register`, {
      method: 'POST',
      body: regBody,
      headers: stubborn.signedHeaders('POST', '/mp/v1/register', regBody),
    })
  ).body.clientId;
  const beat = async (): Promise<void> => {
    const body = Buffer.from(JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'stubborn' }));
    await call(`${base}/mp/v1/heartbeat`, {
      method: 'POST',
      body,
      headers: stubborn.signedHeaders('POST', '/mp/v1/heartbeat', body),
    });
  };
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), 300);
  t.after(() => clearInterval(timer));

  const change = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { http: { default: await freePort() } });
  const id = change.body.rolloutId!;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await rollout(s, id)).state, 'overlapping', 'an active client on the old port keeps it open');
  const refused = await s.admin<{ error: { code: string; message: string } }>('POST', `/rollouts/${id}/finalize`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'E_CLIENTS_REMAIN');
  assert.match(
    refused.body.error.message,
    /1 active client\(s\) still talk on the ports that would close \(stubborn\)/,
  );

  const forced = await s.admin<RolloutView>('POST', `/rollouts/${id}/finalize`, { force: true });
  assert.equal(forced.body.state, 'finalized');
  assert.deepEqual(forced.body.outcome?.stranded, [stubborn.clientId]);
  clearInterval(timer);
  const view = (await s.admin<any>('GET', `/clients/${stubborn.clientId}`)).body;
  assert.equal(view.managed, 'unmanaged');
  assert.match(
    view.unmanagedReason,
    new RegExp(`last seen on HTTP port ${ports.http.default}, which the site no longer serves`),
  );
  const audit = (await s.admin<{ entries: { action: string }[] }>('GET', '/audit?site=PS1')).body.entries.map(
    (e) => e.action,
  );
  assert.deepEqual(audit.slice(0, 2), ['ports.rollout.finalized', 'ports.rollout.commit']);
});

test('the impact preview says per client how it learns the new ports, who is at risk, and the exact remediation', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 1 });
  const ports = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const fleet = createFleet(t, {
    count: 3,
    ports,
    caFingerprint: s.server.info.caFingerprint,
    properties: (i) => (i === 2 ? ['CCMHOSTNAME=127.0.0.1', 'CCMALWAYSINF=1'] : ['SMSMP=127.0.0.1']),
  });
  await Promise.all(fleet.map((a) => a.start()));
  await waitFor(
    'all registered',
    async () => (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients.length === 3,
  );
  await fleet[0]!.stop();
  await waitFor('agent-001 inactive', async () => {
    const c = (await s.admin<ClientList>('GET', '/sites/PS1/clients')).body.clients.find(
      (x) => x.hostname === 'agent-001',
    );
    return c?.activity === 'inactive';
  });
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version;
  const preview = await s.admin<ImpactReport>('POST', '/sites/PS1/impact', {
    http: { default: 8080 },
    https: { default: 8443 },
  });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  const byName = new Map(preview.body.clients.map((c) => [c.hostname, c]));
  assert.equal(byName.get('agent-001')?.learnsVia, 'nothing');
  assert.equal(byName.get('agent-001')?.atRisk, true);
  assert.deepEqual(byName.get('agent-001')?.remediation.slice(0, 2), [
    `siteport portswitch --state ${fleet[0]!.stateDir} 8080 8443`,
    `siteport setup --state ${fleet[0]!.stateDir} SMSSITECODE=PS1 SMSMP=${os.hostname()} CCMHTTPPORT=8080 CCMHTTPSPORT=8443 SMSCAFINGERPRINT=${s.server.info.caFingerprint}`,
  ]);
  assert.equal(byName.get('agent-002')?.learnsVia, 'policy');
  assert.equal(byName.get('agent-002')?.atRisk, false);
  assert.equal(byName.get('agent-003')?.category, 'internet-only');
  assert.equal(preview.body.counts.workgroup?.total, 2);
  assert.equal(preview.body.counts.workgroup?.nothing, 1);
  assert.equal(preview.body.counts['internet-only']?.policy, 1);
  assert.deepEqual(
    preview.body.atRisk.map((c) => c.hostname),
    ['agent-001'],
  );
  const codes = preview.body.warnings.map((w) => w.code);
  assert.ok(
    codes.includes('W_CLIENTS_ON_OLD_PORTS') && codes.includes('W_FIREWALL') && codes.includes('W_INTERNET_HTTPS'),
    codes.join(),
  );
  assert.match(preview.body.warnings.find((w) => w.code === 'W_INTERNET_HTTPS')!.message, /1 internet client/);
  assert.equal((await s.admin<PortsView>('GET', '/sites/PS1/ports')).body.version, before, 'a preview changes nothing');
});

test('a second port change is refused while a rollout is open; bad rollout actions name the state', async (t) => {
  const s = await startTestServer(t, { policyIntervalSeconds: 60 });
  const first = await s.admin<RolloutView>('POST', '/sites/PS1/rollouts', {
    change: { http: { default: await freePort() } },
  });
  const second = await s.admin<any>('PATCH', '/sites/PS1/ports', { https: { default: await freePort() } });
  assert.equal(second.body.error.code, 'E_ROLLOUT_ACTIVE');
  assert.match(second.body.error.message, new RegExp(first.body.id));
  const rollback = await s.admin<any>('POST', `/rollouts/${first.body.id}/rollback`);
  assert.equal(rollback.body.error.code, 'E_ROLLOUT_STATE');
  assert.match(rollback.body.error.message, /it is validated/);
  const cancelled = await s.admin<RolloutView>('POST', `/rollouts/${first.body.id}/cancel`);
  assert.equal(cancelled.body.state, 'cancelled');
  const missing = await s.admin<any>('GET', '/rollouts/nope');
  assert.equal(missing.body.error.code, 'E_ROLLOUT_NOT_FOUND');
  const description = await s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { descriptions: { http: 'x' } });
  assert.equal(description.body.rolloutId, null, 'a description change needs no rollout');
});
