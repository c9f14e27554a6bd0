import dgram from 'node:dgram';
import { type WakeNeighbourPayload, buildMagicPacket, parseMac, parseSecureOnPassword } from '@siteport/protocol';

/** Sends the magic packets a wake-up proxy was asked to send on its subnet. */
export async function wakeNeighbour(payload: WakeNeighbourPayload): Promise<void> {
  const password = payload.password === undefined ? undefined : parseSecureOnPassword(payload.password);
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (payload.broadcast) socket.setBroadcast(true);
    for (const mac of payload.macs) {
      const packet = buildMagicPacket(parseMac(mac), password);
      await new Promise<void>((resolve, reject) => socket.send(packet, payload.port, payload.address, (e) => (e ? reject(e) : resolve())));
    }
  } finally {
    socket.close();
  }
}
