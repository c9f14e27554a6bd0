import { BlockList, isIP } from 'node:net';
import { SiteportError } from '@siteport/protocol';

/** Who is in a collection: a client matching any of the rules. */
export interface CollectionRule {
  hostGlob: string | null;
  subnets: readonly string[];
  clientIds: readonly string[];
}

/** What a rule is matched against: a client's id, host name and last address. */
export interface RuleSubject {
  id: string;
  hostname: string;
  address: string | null;
}

/**
 * Whether `text` matches `glob` (`*` any run, `?` one character), case-insensitively. A linear
 * walk with one backtrack point, never a regular expression: a glob cannot inject a pattern or
 * make matching slow.
 */
export function globMatches(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let gi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (gi < g.length && (g[gi] === '?' || (g[gi] !== '*' && g[gi] === t[ti]))) {
      gi += 1;
      ti += 1;
    } else if (gi < g.length && g[gi] === '*') {
      star = gi;
      mark = ti;
      gi += 1;
    } else if (star >= 0) {
      gi = star + 1;
      mark += 1;
      ti = mark;
    } else {
      return false;
    }
  }
  while (gi < g.length && g[gi] === '*') gi += 1;
  return gi === g.length;
}

/** `10.1.0.0/16` → address, prefix and family; refuses anything else with E_VALIDATION. */
export function parseSubnet(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = cidr.indexOf('/');
  const address = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  if (slash < 0 || version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new SiteportError(
      'E_VALIDATION',
      `subnet ${JSON.stringify(cidr.slice(0, 60))} is not an IPv4 or IPv6 subnet in CIDR notation (10.1.0.0/16, fd00::/64)`,
      { details: { field: 'subnets' } },
    );
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An address as the MP saw it, IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as plain IPv4. */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  const version = isIP(plain);
  return version === 0 ? undefined : { address: plain, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A rule compiled once: a membership test that does no parsing per client. */
export function compileRule(rule: CollectionRule): (subject: RuleSubject) => boolean {
  const ids = new Set(rule.clientIds);
  let subnets: BlockList | undefined;
  if (rule.subnets.length > 0) {
    subnets = new BlockList();
    for (const cidr of rule.subnets) {
      const s = parseSubnet(cidr);
      subnets.addSubnet(s.address, s.prefix, s.family);
    }
  }
  const glob = rule.hostGlob;
  return (subject) => {
    if (ids.has(subject.id)) return true;
    if (glob !== null && globMatches(glob, subject.hostname)) return true;
    if (subnets !== undefined && subject.address !== null) {
      const a = plainAddress(subject.address);
      if (a !== undefined && subnets.check(a.address, a.family)) return true;
    }
    return false;
  };
}
