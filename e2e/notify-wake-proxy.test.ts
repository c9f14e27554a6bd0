import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runSetup } from '@siteport/agent';
import type { ChannelList, WakeResult } from '@siteport/protocol';
import { until } from '../test-support/notify-fixture.js';
import { canSendTo, requireNamespaces, spawnIn, twoSubnets, udpReceiverIn } from '../test-support/wake-subnets.js';
import { SITEPORT_BIN } from '../test-support/run-cli.js';
import { sleepingClient } from '../test-support/sleeping-client.js';
import { startTestServer } from '../test-support/test-server.js';

const MAC = '52:54:00:be:ef:01';
test('a client on subnet B wakes a sleeping neighbour when the site cannot reach subnet B', async (t) => {
  if (!requireNamespaces(t)) return;
  const net = twoSubnets(t);
  const srv = await startTestServer(t, { bindHost: '0.0.0.0', publicHosts: [net.site], notifyKeepAliveSeconds: 5 });
  const wakePort = 9;
  assert.equal((await srv.admin('PATCH', `/sites/${srv.server.info.siteCode}/ports`, { wake: wakePort })).status, 200);

  // The sleeping host's NIC: a UDP receiver in namespace S.
  const rx = await udpReceiverIn(t, net.nsS, wakePort);
  assert.equal(await canSendTo(net.sleeper, wakePort), false, 'a direct send from the site to subnet B must fail');

  // The proxy: a real `siteport agent` process in namespace B.
  const state = mkdtempSync(path.join(os.tmpdir(), 'siteport-proxy-agent-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const ports = srv.server.info.ports;
  runSetup({
    stateDir: state,
    properties: [`SMSMP=${net.site}`, `CCMHTTPPORT=${ports.http.default}`, `CCMHTTPSPORT=${ports.https.default}`],
    httpOnly: false,
  });
  const agent = spawnIn(net.nsB, [process.execPath, SITEPORT_BIN, 'agent', '--state', state]);
  let agentErr = '';
  agent.stderr!.on('data', (d: Buffer) => (agentErr += d.toString()));
  t.after(() => {
    agent.kill('SIGTERM');
  });
  await until(
    'the proxy agent on the TCP channel',
    async () => (await srv.admin<ChannelList>('GET', '/notify/clients')).body.clients.some((c) => c.channel === 'tcp'),
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; agent log: ${agentErr.slice(-3000)}`);
  });
  const proxyId = (await srv.admin<ChannelList>('GET', '/notify/clients')).body.clients[0]!.clientId;

  const sleeper = await sleepingClient(srv, 'sleeper-b', [
    { name: 'eth0', mac: MAC, address: net.sleeper, prefixLength: 24 },
  ]);
  // The proxy reports its inventory with its first check-in; wait until subnet B is known for it.
  await until('the proxy inventory', async () => {
    const r = await srv.server.db
      .selectFrom('client_interfaces')
      .select('client_id')
      .where('client_id', '=', proxyId)
      .where('address', 'like', '10.202.%')
      .execute();
    return r.length === 1;
  });

  const res = await srv.admin<WakeResult>('POST', '/wake', { clients: [sleeper] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.results, [
    { clientId: sleeper, outcome: 'sent-by-proxy', macs: [MAC], target: `${net.sleeper}:${wakePort}`, proxy: proxyId },
  ]);
  await until('the magic packet on subnet B', () => rx.datagrams().some((l) => l.includes('ff'.repeat(6))));
  const line = rx.datagrams().find((l) => l.includes('ff'.repeat(6)))!;
  const [from, hex] = line.split(' ');
  assert.equal(from, net.sleeper.replace(/\.2$/, '.1'), 'sent by the proxy from its subnet-B address');
  assert.equal(hex, 'ff'.repeat(6) + MAC.replace(/:/g, '').repeat(16));
});
