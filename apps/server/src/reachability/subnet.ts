import { isIPv4, isIPv6 } from 'node:net';

/** Where a client's address cannot be read (a socket already closed): its results still count, under this name. */
const UNKNOWN_SUBNET = 'unknown';

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  const [head = '', tail] = address.split('::');
  const part = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const expand = (groups: string[]): number[] =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  const left = expand(part(head));
  const right = tail === undefined ? [] : expand(part(tail));
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The subnet a client is counted in, from the address the MP saw (decision 0109): the /24 of an
 * IPv4 address (an IPv4-mapped IPv6 address counts as IPv4) and the /64 of an IPv6 address.
 * A /24 is what an office floor or a branch VLAN usually is; a /64 is one IPv6 link.
 */
export function subnetOf(address: string | undefined): string {
  if (address === undefined || address === '') return UNKNOWN_SUBNET;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const v4 = mapped?.[1] ?? address;
  if (isIPv4(v4)) {
    const [a, b, c] = v4.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  const groups = ipv6Groups(address.split('%')[0] ?? '');
  if (groups === undefined) return UNKNOWN_SUBNET;
  const prefix = groups.slice(0, 4).map((g) => g.toString(16));
  return `${prefix.join(':')}::/64`;
}
