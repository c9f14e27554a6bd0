import { isIP } from 'node:net';
import { SiteportError } from '@siteport/protocol';

/** The wildcards: `::` is every IPv6 and IPv4 address (dual stack), `0.0.0.0` every IPv4 address. */
const WILDCARDS = new Set(['::', '0.0.0.0']);
/** More addresses than any host needs one MP process to listen on; keeps the listener count bounded. */
const MAX_BIND_ADDRESSES = 16;

function refuse(message: string, address?: string): never {
  throw new SiteportError('E_OPTION', message, {
    details: { option: 'bind', ...(address === undefined ? {} : { address }) },
  });
}

/** One address in its canonical text (`[fd00::05]` → `fd00::5`), so one written twice is seen as such. */
function canonical(raw: string): string {
  const text = raw.trim().replace(/^\[(.*)\]$/, '$1');
  const family = isIP(text);
  if (family === 0) {
    refuse(
      `--bind takes IP addresses like 10.0.0.5 or fd00::5 (or :: for every address), got ${JSON.stringify(raw)}; give each address a host name stands for as its own --bind`,
      raw,
    );
  }
  if (family === 4 || text.includes('%')) return text.toLowerCase();
  return new URL(`http://[${text}]`).hostname.slice(1, -1);
}

/**
 * The addresses an MP process listens on, from `--bind` (repeatable, each may be a comma list;
 * config key `bind`, `SITEPORT_BIND`). Nothing given is the dual-stack wildcard `::`. A wildcard
 * stands alone (it already covers every address); specific addresses may be several, each once.
 * Refused with E_OPTION saying what to write instead.
 */
export function parseBindAddresses(input: string | readonly string[] | undefined): readonly string[] {
  const given = (typeof input === 'string' ? [input] : (input ?? [])).flatMap((item) => item.split(','));
  if (given.length === 0) return Object.freeze(['::']);
  if (given.some((item) => item.trim() === '')) {
    refuse('--bind has an empty address; give addresses separated by commas, like 127.0.0.1,::1');
  }
  const addresses: string[] = [];
  for (const raw of given) {
    const address = canonical(raw);
    if (addresses.includes(address)) {
      refuse(`--bind names ${address} twice; give each address once`, address);
    }
    addresses.push(address);
  }
  const wildcard = addresses.find((a) => WILDCARDS.has(a));
  if (wildcard !== undefined && addresses.length > 1) {
    const covers = wildcard === '::' ? 'every IPv6 and IPv4 address' : 'every IPv4 address';
    refuse(
      `--bind ${wildcard} already listens on ${covers}; give either ${wildcard} alone or only specific addresses (${addresses.filter((a) => a !== wildcard).join(', ') || 'like 127.0.0.1 and ::1'})`,
      wildcard,
    );
  }
  if (addresses.length > MAX_BIND_ADDRESSES) {
    refuse(
      `--bind names ${addresses.length} addresses; one MP process listens on at most ${MAX_BIND_ADDRESSES}: use the wildcard :: and a host firewall instead`,
    );
  }
  return Object.freeze(addresses);
}

/** Whether the addresses are one wildcard (every address of the host, or of its IPv4 side). */
export function isWildcardBind(addresses: readonly string[]): boolean {
  return addresses.length === 1 && WILDCARDS.has(addresses[0]!);
}

/** The addresses as one line for the MP registry and status output (`127.0.0.1,::1`). */
export function bindAddressText(addresses: readonly string[]): string {
  return addresses.join(',');
}

/**
 * The MP names policy announces on a site of one process: the `--public-host` names; without any,
 * an MP bound to several specific addresses announces them all, so an agent configured with one
 * learns the others and can move to them (with one address or a wildcard, none: agents keep `SMSMP`).
 */
export function policyNames(options: {
  publicHosts: readonly string[];
  bindHosts: readonly string[];
}): readonly string[] {
  if (options.publicHosts.length > 0 || options.bindHosts.length < 2) return options.publicHosts;
  return options.bindHosts;
}

/** The specific addresses among them (none for a wildcard): the site certificate names each. */
export function specificAddresses(addresses: readonly string[]): readonly string[] {
  return isWildcardBind(addresses) ? [] : addresses;
}
