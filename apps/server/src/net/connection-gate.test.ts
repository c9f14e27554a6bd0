import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ConnectionBudget, ConnectionGate } from './connection-gate.js';
import { sourceKey } from './source-key.js';

const quiet = { warn: () => undefined };

test('sources are counted by IPv4 address (also when IPv4-mapped) and by IPv6 /64', () => {
  assert.equal(sourceKey('10.1.2.3'), '10.1.2.3');
  assert.equal(sourceKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(sourceKey('2001:db8:0:1:aaaa::1'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('2001:0db8:0000:0001:bbbb:cccc:dddd:eeee'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('::1'), '0:0:0:0::/64');
  assert.equal(sourceKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('a gate refuses connections past the per-source cap and past the shared budget, and frees both when they close', async (t) => {
  const budget = new ConnectionBudget(5);
  const gate = new ConnectionGate('request', budget, 3, quiet);
  const other = new ConnectionGate('notification', budget, 3, quiet);
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  gate.attach(server);
  const notify = net.createServer((socket) => socket.on('error', () => undefined));
  other.attach(notify);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => notify.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.close();
    notify.close();
  });
  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  /** Opens a connection and reports whether the server kept it open for 300 ms. */
  const held = (target: net.Server, localAddress: string): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: (target.address() as net.AddressInfo).port, localAddress });
      sockets.push(socket);
      socket.on('error', () => undefined);
      const timer = setTimeout(() => resolve(true), 300);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  const fromA = await Promise.all([1, 2, 3, 4].map(() => held(server, '127.0.0.2')));
  assert.deepEqual(fromA.filter(Boolean).length, 3, 'three per source');
  assert.equal(gate.refused.perSource, 1);
  assert.equal(await held(notify, '127.0.0.2'), true, 'the notification port counts the same source apart');
  assert.equal(await held(server, '127.0.0.3'), true);
  assert.equal(budget.open, 5);
  assert.equal(await held(server, '127.0.0.4'), false, 'the shared budget is spent');
  assert.equal(gate.refused.total, 1);
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(budget.open, 0);
  assert.equal(gate.open, 0);
  assert.equal(await held(server, '127.0.0.4'), true, 'freed slots are given out again');
});
