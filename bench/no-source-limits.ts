/**
 * Server flags that turn off the per-source limits on registrations and session openings
 * (decision 0095): a simulated fleet is thousands of clients behind a few loopback addresses,
 * which the limits would (rightly) treat as one flooding source.
 */
export const NO_SOURCE_LIMITS: readonly string[] = Object.freeze([
  '--registrations-per-source',
  '0',
  '--sessions-per-source',
  '0',
]);
