const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Whether a string is an IPv6 address in text form (RFC 4291 section 2.2): eight groups of one to four
 * hex digits, one `::` for a run of zero groups, and an IPv4 address in place of the last two.
 */
function isIpv6(value: string): boolean {
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  let count = 0;
  for (const [i, group] of groups.entries()) {
    if (i === groups.length - 1 && IPV4.test(group)) count += 2;
    else if (HEX_GROUP.test(group)) count += 1;
    else return false;
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** Whether a string is a DNS host name, an IPv4 address or an IPv6 address (without brackets). */
export function isHostName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  if (IPV4.test(value)) return true;
  if (value.includes(':')) return isIpv6(value);
  return value.split('.').every((label) => LABEL.test(label));
}

/** Formats a host for use in a URL authority: IPv6 literals get brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
