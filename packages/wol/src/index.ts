/** @siteport/wol: Wake-on-LAN magic packets — MAC and SecureOn parsing, the packet format, and the UDP sender that the site and a wake-up proxy agent share. */
export {
  MAGIC_PACKET_BYTES,
  type MagicPacket,
  buildMagicPacket,
  formatMac,
  parseMac,
  parseMagicPacket,
  parseSecureOnPassword,
} from './magic-packet.js';
export { type MagicPacketTarget, sendMagicPackets } from './send-magic-packets.js';
