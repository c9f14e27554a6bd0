import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import type { WakeResult } from '@siteport/protocol';
import { parseMagicPacket } from '@siteport/wol';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { requireTool } from '../../../test-support/require-tool.js';
import { sleepingClient } from '../../../test-support/sleeping-client.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

const MAC = '52:54:00:12:ab:cd';

/** A UDP receiver on loopback standing in for the sleeping machine's NIC; the site's wake port is set to it. */
async function receiver(t: { after(fn: () => unknown): void }, srv: TestServer) {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (msg) => packets.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  const port = socket.address().port;
  const change = await srv.admin('PATCH', `/sites/${srv.server.info.siteCode}/ports`, { wake: port });
  assert.equal(change.status, 200, JSON.stringify(change.body));
  return { port, packets };
}

/** The format written out independently of the builder: 6 × 0xFF, then the MAC 16 times, then the password. */
function expectedPacket(mac: string, password?: string): Buffer {
  const macBytes = Buffer.from(mac.replace(/:/g, ''), 'hex');
  return Buffer.concat([
    Buffer.alloc(6, 0xff),
    ...Array.from({ length: 16 }, () => macBytes),
    password === undefined ? Buffer.alloc(0) : Buffer.from(password.replace(/:/g, ''), 'hex'),
  ]);
}

describe('Wake-on-LAN', () => {
  it('sends a byte-correct magic packet to the configured wake-up port at the last known address', async (t) => {
    const srv = await startTestServer(t);
    const rx = await receiver(t, srv);
    const id = await sleepingClient(srv, 'sleeper', [
      { name: 'eth0', mac: MAC, address: '127.0.0.1', prefixLength: 8 },
    ]);
    const res = await srv.admin<WakeResult>('POST', '/wake', { clients: [id] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      mode: 'unicast',
      port: rx.port,
      results: [{ clientId: id, outcome: 'sent', macs: [MAC], target: `127.0.0.1:${rx.port}`, proxy: null }],
    });
    await until('the packet', () => rx.packets.length === 1, 5000);
    assert.deepEqual(rx.packets[0], expectedPacket(MAC));

    const withPassword = await srv.admin<WakeResult>('POST', '/wake', { clients: [id], password: '01:02:03:04:05:06' });
    assert.equal(withPassword.body.results[0]?.outcome, 'sent');
    await until('the second packet', () => rx.packets.length === 2, 5000);
    assert.deepEqual(rx.packets[1], expectedPacket(MAC, '01:02:03:04:05:06'));
    assert.deepEqual(parseMagicPacket(rx.packets[1]), { mac: MAC, password: '01:02:03:04:05:06' });
  });

  it("parses a packet sent by Debian's wakeonlan tool with the same parser", async (t) => {
    if (!requireTool(t, 'wakeonlan', 'apt-get install wakeonlan')) return;
    const socket = dgram.createSocket('udp4');
    const packets: Buffer[] = [];
    socket.on('message', (msg) => packets.push(msg));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    t.after(() => socket.close());
    execFileSync('wakeonlan', ['-i', '127.0.0.1', '-p', String(socket.address().port), 'AA:BB:CC:00:11:22']);
    await until('the wakeonlan packet', () => packets.length === 1, 5000);
    assert.deepEqual(parseMagicPacket(packets[0]!), { mac: 'aa:bb:cc:00:11:22', password: null });
    assert.deepEqual(packets[0], expectedPacket('aa:bb:cc:00:11:22'));
  });

  it('reports awake, no-inventory and unknown clients per client, and refuses a bad SecureOn password', async (t) => {
    const srv = await startTestServer(t);
    await receiver(t, srv);
    const { agent, clientId: awake } = await startNotifyAgent(t, srv);
    await until('the TCP channel', () => agent.notification?.state === 'tcp');
    const bare = await sleepingClient(srv, 'no-nics', []);
    const res = await srv.admin<WakeResult>('POST', '/wake', { clients: [awake, bare, 'nobody'] });
    assert.deepEqual(
      res.body.results.map((r) => [r.clientId, r.outcome]),
      [
        [awake, 'awake'],
        [bare, 'no-inventory'],
        ['nobody', 'unknown-client'],
      ],
    );
    const bad = await srv.admin<{ error: { code: string } }>('POST', '/wake', {
      clients: [bare],
      password: '01:02:03',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'E_MAC');
    const empty = await srv.admin<{ error: { code: string } }>('POST', '/wake', { clients: [] });
    assert.equal(empty.body.error.code, 'E_VALIDATION');
  });
});
