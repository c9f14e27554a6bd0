import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import diagnostics from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { parseMagicPacket } from './magic-packet.js';
import { sendMagicPackets } from './send-magic-packets.js';

/** A UDP receiver on loopback standing in for the sleeping machines' NICs. */
async function receiver(t: { after(fn: () => unknown): void }): Promise<{ port: number; packets: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (msg) => packets.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  return { port: socket.address().port, packets };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the packets');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sendMagicPackets', () => {
  it('sends one packet per MAC, with the SecureOn password, and publishes each on siteport:wake:sent', async (t) => {
    const rx = await receiver(t);
    const sent: unknown[] = [];
    const onSent = (message: unknown): void => void sent.push(message);
    diagnostics.subscribe('siteport:wake:sent', onSent);
    t.after(() => diagnostics.unsubscribe('siteport:wake:sent', onSent));
    await sendMagicPackets({
      macs: ['52:54:00:12:ab:cd', '52-54-00-12-AB-CE'],
      address: '127.0.0.1',
      port: rx.port,
      broadcast: false,
      password: Uint8Array.of(1, 2, 3, 4),
    });
    await until(() => rx.packets.length === 2);
    assert.deepEqual(
      rx.packets.map((p) => parseMagicPacket(p)),
      [
        { mac: '52:54:00:12:ab:cd', password: '01:02:03:04' },
        { mac: '52:54:00:12:ab:ce', password: '01:02:03:04' },
      ],
    );
    assert.deepEqual(sent, [
      { mac: '52:54:00:12:ab:cd', address: '127.0.0.1', port: rx.port, broadcast: false },
      { mac: '52-54-00-12-AB-CE', address: '127.0.0.1', port: rx.port, broadcast: false },
    ]);
  });

  it('refuses a malformed MAC with E_MAC before sending anything', async (t) => {
    const rx = await receiver(t);
    await assert.rejects(
      sendMagicPackets({ macs: ['not-a-mac'], address: '127.0.0.1', port: rx.port, broadcast: false }),
      (e) => isSiteportError(e, 'E_MAC'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(rx.packets.length, 0);
  });
});
