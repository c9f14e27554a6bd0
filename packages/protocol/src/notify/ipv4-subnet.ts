import { SiteportError } from '../siteport-error.js';

/** Parses dotted-quad IPv4 text into a 32-bit unsigned number; null when it is not IPv4. */
export function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** Dotted-quad text of a 32-bit unsigned number. */
export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => String(Math.floor(value / 2 ** shift) % 256)).join('.');
}

function mask(prefixLength: number): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw new SiteportError('E_VALIDATION', `an IPv4 prefix length is 0 to 32, got ${prefixLength}`);
  }
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** `10.0.1.0/24` style network of an address and prefix length. */
export function ipv4Network(address: string, prefixLength: number): string {
  const n = ipv4ToNumber(address);
  if (n === null) throw new SiteportError('E_VALIDATION', `${JSON.stringify(address)} is not an IPv4 address`);
  return `${numberToIpv4((n & mask(prefixLength)) >>> 0)}/${prefixLength}`;
}

/** The subnet-directed broadcast address of an address and prefix length (`10.0.1.255` for /24). */
export function ipv4Broadcast(address: string, prefixLength: number): string {
  const n = ipv4ToNumber(address);
  if (n === null) throw new SiteportError('E_VALIDATION', `${JSON.stringify(address)} is not an IPv4 address`);
  return numberToIpv4((n | (~mask(prefixLength) >>> 0)) >>> 0);
}

/** Whether `address` lies in the network of `network`/`prefixLength`. */
export function ipv4InSubnet(address: string, network: string, prefixLength: number): boolean {
  const a = ipv4ToNumber(address);
  const b = ipv4ToNumber(network);
  if (a === null || b === null) return false;
  const m = mask(prefixLength);
  return (a & m) >>> 0 === (b & m) >>> 0;
}
