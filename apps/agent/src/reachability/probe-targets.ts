import { type Policy, REACHABILITY_MAX_RESULTS, type ReachabilityCandidate } from '@siteport/protocol';

/** The probing an agent does when policy says nothing: every 6 hours, no candidate ports. */
export const DEFAULT_PROBE_INTERVAL_SECONDS = 6 * 3600;

/**
 * The ports to test on the MP: the request ports and their alternates (HTTP by a TCP connect,
 * HTTPS by a TLS handshake), the notification port (TLS), and the site's candidate ports; each
 * port once (the first way named wins), at most REACHABILITY_MAX_RESULTS.
 */
export function probeTargets(policy: Pick<Policy, 'ports' | 'reachability'>): ReachabilityCandidate[] {
  const { http, https, notification } = policy.ports;
  const wanted: ReachabilityCandidate[] = [
    { port: http.default, transport: 'tcp' },
    ...(http.alternate === null ? [] : [{ port: http.alternate, transport: 'tcp' as const }]),
    { port: https.default, transport: 'tls' },
    ...(https.alternate === null ? [] : [{ port: https.alternate, transport: 'tls' as const }]),
    { port: notification, transport: 'tls' },
    ...(policy.reachability?.candidates ?? []),
  ];
  const seen = new Set<number>();
  return wanted
    .filter((t) => {
      if (seen.has(t.port)) return false;
      seen.add(t.port);
      return true;
    })
    .slice(0, REACHABILITY_MAX_RESULTS);
}
