import type { ReachabilityCandidate, ReachabilityResult } from '@siteport/protocol';
import { probePort } from './port-probe.js';

/**
 * Tests `targets` on `host`. A port in `reached` (one this agent used on that host moments ago by
 * the same test or a stronger one: a request over TLS with the site CA, the live notification
 * channel) counts as reachable without a new connection; a TLS use proves a `tcp` test too, a
 * plain one only a `tcp` test. Every other port gets its connect or handshake.
 */
export function runProbes(
  host: string,
  targets: readonly ReachabilityCandidate[],
  reached: readonly ReachabilityCandidate[],
  options: { caPem: string | undefined; timeoutMs: number; now?: () => Date },
): Promise<ReachabilityResult[]> {
  const proven = (t: ReachabilityCandidate): boolean =>
    reached.some((r) => r.port === t.port && (r.transport === 'tls' || t.transport === 'tcp'));
  return Promise.all(
    targets.map((t) =>
      proven(t)
        ? Promise.resolve({
            port: t.port,
            transport: t.transport,
            outcome: 'reachable' as const,
            testedAt: (options.now?.() ?? new Date()).toISOString(),
          })
        : probePort(host, t, options),
    ),
  );
}
