/**
 * Server flags for the benchmarks' servers. A simulated fleet puts thousands of clients behind a
 * few loopback addresses, where a real site's clients each come from their own: the per-source
 * connection cap (decision 0091) is lifted and the per-source limits on registrations and session
 * openings (decision 0095) are turned off, which would (rightly) treat the fleet as one flooding
 * source.
 */
export const FLEET_SOURCE_FLAGS: readonly string[] = Object.freeze([
  '--max-connections-per-source',
  '20000',
  '--registrations-per-source',
  '0',
  '--sessions-per-source',
  '0',
]);
