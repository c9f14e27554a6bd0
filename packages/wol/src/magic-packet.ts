import { SiteportError } from '@siteport/protocol';

/** Length of a magic packet without a SecureOn password: 6 × 0xFF + 16 × MAC. */
export const MAGIC_PACKET_BYTES = 102;

const MAC_TEXT = /^[0-9a-fA-F]{2}([:-]?)[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}$/;

/** Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabbccddeeff` into 6 bytes. */
export function parseMac(text: string, what = 'MAC address'): Uint8Array {
  if (!MAC_TEXT.test(text)) {
    throw new SiteportError(
      'E_MAC',
      `${what} must be six hex byte pairs like 52:54:00:12:34:56, got ${JSON.stringify(text)}`,
    );
  }
  const hex = text.replace(/[:-]/g, '');
  const bytes = new Uint8Array(6);
  for (let i = 0; i < 6; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Lower-case colon form of a MAC or SecureOn password. */
export function formatMac(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parses a SecureOn password: 4 or 6 bytes, written like a MAC (`01:02:03:04` or `01:02:03:04:05:06`). */
export function parseSecureOnPassword(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if ((parts.length !== 4 && parts.length !== 6) || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new SiteportError(
      'E_MAC',
      `a SecureOn password is 4 or 6 hex byte pairs like 01:02:03:04:05:06, got ${JSON.stringify(text)}`,
    );
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Builds a Wake-on-LAN magic packet: 6 × 0xFF, the MAC 16 times, then the SecureOn password if any. */
export function buildMagicPacket(mac: Uint8Array, password?: Uint8Array): Uint8Array {
  if (mac.length !== 6) throw new SiteportError('E_MAC', `a MAC address has 6 bytes, got ${mac.length}`);
  if (password !== undefined && password.length !== 4 && password.length !== 6) {
    throw new SiteportError('E_MAC', `a SecureOn password has 4 or 6 bytes, got ${password.length}`);
  }
  const packet = new Uint8Array(MAGIC_PACKET_BYTES + (password?.length ?? 0));
  packet.fill(0xff, 0, 6);
  for (let i = 0; i < 16; i += 1) packet.set(mac, 6 + i * 6);
  if (password !== undefined) packet.set(password, MAGIC_PACKET_BYTES);
  return packet;
}

/** A parsed magic packet. */
export interface MagicPacket {
  mac: string;
  password: string | null;
}

/** Parses a magic packet exactly (no leading payload): throws E_WAKE_PACKET saying what is wrong. */
export function parseMagicPacket(bytes: Uint8Array): MagicPacket {
  const extra = bytes.length - MAGIC_PACKET_BYTES;
  if (extra !== 0 && extra !== 4 && extra !== 6) {
    throw new SiteportError('E_WAKE_PACKET', `a magic packet has 102, 106 or 108 bytes, got ${bytes.length}`);
  }
  for (let i = 0; i < 6; i += 1) {
    if (bytes[i] !== 0xff)
      throw new SiteportError('E_WAKE_PACKET', `byte ${i} of the synchronisation stream is not 0xFF`);
  }
  const mac = bytes.slice(6, 12);
  for (let r = 1; r < 16; r += 1) {
    for (let i = 0; i < 6; i += 1) {
      if (bytes[6 + r * 6 + i] !== mac[i])
        throw new SiteportError('E_WAKE_PACKET', `repetition ${r + 1} of the MAC differs from the first`);
    }
  }
  return { mac: formatMac(mac), password: extra === 0 ? null : formatMac(bytes.slice(MAGIC_PACKET_BYTES)) };
}
