import { Resolver } from 'node:dns/promises';
import { SiteportError } from '@siteport/protocol';

/** The SRV owner name management points are published under (S-discovery, last resort). */
export function mpSrvName(domain: string): string {
  return `_siteport-mp._tcp.${domain}`;
}

/** One management point found in DNS. */
export interface SrvManagementPoint {
  host: string;
  port: number;
  priority: number;
  weight: number;
}

/**
 * Looks up `_siteport-mp._tcp.<domain>`, sorted by priority then weight (highest first).
 * `servers` overrides the system resolvers (`host:port` strings; tests use a loopback responder).
 */
export async function lookupMpSrv(
  domain: string,
  servers: readonly string[],
  timeoutMs: number,
): Promise<SrvManagementPoint[]> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) resolver.setServers([...servers]);
  try {
    const records = await resolver.resolveSrv(mpSrvName(domain));
    return records
      .map((r) => ({ host: r.name.replace(/\.$/, ''), port: r.port, priority: r.priority, weight: r.weight }))
      .sort((a, b) => a.priority - b.priority || b.weight - a.weight);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SiteportError(
      'E_DNS_LOOKUP',
      `DNS SRV lookup of ${mpSrvName(domain)} failed (${code}); publish the record or fix the client's DNS servers`,
      {
        cause: error,
        details: { name: mpSrvName(domain), code },
      },
    );
  }
}
