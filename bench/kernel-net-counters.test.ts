import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import {
  netCountersSince,
  parseSoftnetStat,
  raiseInputBacklog,
  readNetCounters,
  tcpExtField,
} from './kernel-net-counters.js';

test('softnet_stat: dropped and time_squeeze are summed over the CPUs, read as hexadecimal', () => {
  const text = [
    '029b6a37 0023bdeb 00000006 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000',
    '02854f03 00211abd 00000009 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001',
    '',
  ].join('\n');
  assert.deepEqual(parseSoftnetStat(text), { backlogDrops: 0x23bdeb + 0x211abd, timeSqueezes: 15 });
});

test('a TcpExt field is read by its name, and a missing one is an error', () => {
  const netstat = [
    'TcpExt: SyncookiesSent TCPKeepAlive TCPAbortOnTimeout',
    'TcpExt: 0 9064900 129827',
    'IpExt: InNoRoutes',
    'IpExt: 0',
  ].join('\n');
  assert.equal(tcpExtField(netstat, 'TCPKeepAlive'), 9_064_900);
  assert.equal(tcpExtField(netstat, 'TCPAbortOnTimeout'), 129_827);
  assert.throws(() => tcpExtField(netstat, 'InNoRoutes'), /TcpExt InNoRoutes/);
});

test('the kernel counts the keep-alive probes of an idle loopback connection', async () => {
  const before = readNetCounters();
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ port, host: '127.0.0.1' });
  await new Promise((resolve) => client.once('connect', resolve));
  client.setKeepAlive(true, 1000);
  // Idle 1 s, then a probe a second (libuv's interval): at least two in 3.5 s.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const delta = netCountersSince(before);
  client.destroy();
  server.close();
  assert.ok(delta.keepAliveProbes >= 2, `${delta.keepAliveProbes} probes`);
  assert.ok(delta.backlogDrops >= 0 && delta.abortsOnTimeout >= 0);
});

test('the input backlog is raised for a run and put back; a smaller size changes nothing (root, as the tests run)', () => {
  const path = '/proc/sys/net/core/netdev_max_backlog';
  const read = (): number => Number(readFileSync(path, 'utf8').trim());
  const start = read();
  const unchanged = raiseInputBacklog(Math.max(0, start - 1));
  assert.deepEqual([unchanged.before, unchanged.now, read()], [start, start, start]);
  const raised = raiseInputBacklog(start + 7);
  try {
    assert.deepEqual([raised.before, raised.now, read()], [start, start + 7, start + 7]);
  } finally {
    raised.restore();
  }
  assert.equal(read(), start);
  assert.throws(() => raiseInputBacklog(-1), /0–10,000,000/);
});
