const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether a string is a DNS host name, an IPv4 address or an IPv6 address (without brackets). */
export function isHostName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  if (IPV4.test(value)) return true;
  if (value.includes(':')) return /^[0-9A-Fa-f:.]+$/.test(value) && value.split(':').length <= 8 + 1;
  return value.split('.').every((label) => LABEL.test(label));
}

/** Formats a host for use in a URL authority: IPv6 literals get brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
