import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runSetup } from '@siteport/agent';
import type { ChannelList, WakeResult } from '@siteport/protocol';
import { until } from '../test-support/notify-fixture.js';
import { requireTool } from '../test-support/require-tool.js';
import { SITEPORT_BIN } from '../test-support/run-cli.js';
import { sleepingClient } from '../test-support/sleeping-client.js';
import { startTestServer } from '../test-support/test-server.js';

const MAC = '52:54:00:be:ef:01';
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/**
 * Two subnets in network namespaces made for this test: the uplink 10.201.N.0/30 joins the site
 * (root namespace) to host B, and subnet 10.202.N.0/24 joins B to the sleeping host S. The root
 * namespace gets an `unreachable` route for subnet B, so the site provably cannot send there and no
 * packet for it can leave this machine.
 */
function namespaces(t: { after(fn: () => unknown): void }) {
  const n = 20 + (process.pid % 200);
  const tag = `${process.pid % 100000}`;
  const nsB = `spB_${tag}`;
  const nsS = `spS_${tag}`;
  const up = `spu${tag}`;
  const subnet = `10.202.${n}.0/24`;
  t.after(() => {
    for (const args of [['route', 'del', 'unreachable', subnet], ['link', 'del', up], ['netns', 'del', nsB], ['netns', 'del', nsS]]) {
      try {
        ip(...args);
      } catch {
        // Already gone with its namespace.
      }
    }
  });
  ip('netns', 'add', nsB);
  ip('netns', 'add', nsS);
  ip('link', 'add', up, 'type', 'veth', 'peer', 'name', 'up0', 'netns', nsB);
  ip('addr', 'add', `10.201.${n}.1/30`, 'dev', up);
  ip('link', 'set', up, 'up');
  ip('route', 'add', 'unreachable', subnet);
  ip('-n', nsB, 'addr', 'add', `10.201.${n}.2/30`, 'dev', 'up0');
  ip('-n', nsB, 'link', 'set', 'up0', 'up');
  ip('-n', nsB, 'link', 'set', 'lo', 'up');
  ip('-n', nsB, 'link', 'add', 'lanB', 'type', 'veth', 'peer', 'name', 'lanS', 'netns', nsS);
  ip('-n', nsB, 'addr', 'add', `10.202.${n}.1/24`, 'dev', 'lanB');
  ip('-n', nsB, 'link', 'set', 'lanB', 'up');
  ip('-n', nsS, 'addr', 'add', `10.202.${n}.2/24`, 'dev', 'lanS');
  ip('-n', nsS, 'link', 'set', 'lanS', 'up');
  ip('-n', nsS, 'link', 'set', 'lo', 'up');
  return { nsB, nsS, site: `10.201.${n}.1`, sleeper: `10.202.${n}.2` };
}

function spawnIn(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a client on subnet B wakes a sleeping neighbour when the site cannot reach subnet B', async (t) => {
  if (!requireTool(t, 'ip', 'apt-get install iproute2')) return;
  if (process.getuid?.() !== 0) {
    if (process.env.SITEPORT_REQUIRE_ALL === '1') throw new Error('network namespaces need root');
    t.skip('network namespaces need root');
    return;
  }
  const net = namespaces(t);
  const srv = await startTestServer(t, { bindHost: '0.0.0.0', publicHosts: [net.site], notifyKeepAliveSeconds: 5 });
  const wakePort = 9;
  assert.equal((await srv.admin('PATCH', `/sites/${srv.server.info.siteCode}/ports`, { wake: wakePort })).status, 200);

  // The sleeping host's NIC: a UDP receiver in namespace S that prints each datagram as hex.
  const rx = spawnIn(net.nsS, [
    process.execPath,
    '-e',
    `const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>console.log(r.address+' '+m.toString('hex')));s.bind(${wakePort},()=>console.log('ready'));`,
  ]);
  t.after(() => rx.kill());
  let rxOut = '';
  rx.stdout!.on('data', (d: Buffer) => (rxOut += d.toString()));
  await until('the receiver', () => rxOut.includes('ready'));

  // The site really cannot send to subnet B.
  const probe = dgram.createSocket('udp4');
  const direct = await new Promise<Error | null>((resolve) => probe.send(Buffer.alloc(1), wakePort, net.sleeper, (e) => resolve(e ?? null)));
  probe.close();
  assert.ok(direct !== null, 'a direct send from the site to subnet B must fail');

  // The proxy: a real `siteport agent` process in namespace B.
  const state = mkdtempSync(path.join(os.tmpdir(), 'siteport-proxy-agent-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const ports = srv.server.info.ports;
  runSetup({ stateDir: state, properties: [`SMSMP=${net.site}`, `CCMHTTPPORT=${ports.http.default}`, `CCMHTTPSPORT=${ports.https.default}`], httpOnly: false });
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

  const sleeper = await sleepingClient(srv, 'sleeper-b', [{ name: 'eth0', mac: MAC, address: net.sleeper, prefixLength: 24 }]);
  // The proxy reports its inventory with its first check-in; wait until subnet B is known for it.
  await until('the proxy inventory', async () => {
    const r = await srv.server.db.selectFrom('client_interfaces').select('client_id').where('client_id', '=', proxyId).where('address', 'like', '10.202.%').execute();
    return r.length === 1;
  });

  const res = await srv.admin<WakeResult>('POST', '/wake', { clients: [sleeper] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.results, [
    { clientId: sleeper, outcome: 'sent-by-proxy', macs: [MAC], target: `${net.sleeper}:${wakePort}`, proxy: proxyId },
  ]);
  await until('the magic packet on subnet B', () => rxOut.split('\n').some((l) => l.includes('ff'.repeat(6))));
  const line = rxOut.split('\n').find((l) => l.includes('ff'.repeat(6)))!;
  const [from, hex] = line.split(' ');
  assert.equal(from, net.sleeper.replace(/\.2$/, '.1'), 'sent by the proxy from its subnet-B address');
  assert.equal(hex, 'ff'.repeat(6) + MAC.replace(/:/g, '').repeat(16));
});
