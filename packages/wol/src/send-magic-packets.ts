import dgram from 'node:dgram';
import diagnostics from 'node:diagnostics_channel';
import { buildMagicPacket, parseMac } from './magic-packet.js';

const sentChannel = diagnostics.channel('siteport:wake:sent');

/** Where {@link sendMagicPackets} sends, and what. */
export interface MagicPacketTarget {
  /** MAC addresses to wake, one packet each (`aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabbccddeeff`). */
  macs: readonly string[];
  /** A unicast address, or a subnet-directed broadcast address with `broadcast` set. */
  address: string;
  /** The site's wake-up UDP port. */
  port: number;
  broadcast: boolean;
  /** SecureOn password of 4 or 6 bytes, appended to each packet. */
  password?: Uint8Array;
}

/**
 * Sends one magic packet per MAC to `address:port` over UDP, with SO_BROADCAST set for a
 * subnet-directed broadcast. Resolves when every datagram was handed to the kernel. The site (direct
 * wake) and an agent acting as wake-up proxy both send with this.
 */
export async function sendMagicPackets(target: MagicPacketTarget): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (target.broadcast) socket.setBroadcast(true);
    for (const mac of target.macs) {
      const packet = buildMagicPacket(parseMac(mac), target.password);
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, target.port, target.address, (error) => (error ? reject(error) : resolve())),
      );
      if (sentChannel.hasSubscribers) {
        sentChannel.publish({ mac, address: target.address, port: target.port, broadcast: target.broadcast });
      }
    }
  } finally {
    socket.close();
  }
}
