/**
 * A period made shorter by up to `fraction` of it at random: from `periodMs × (1 − fraction)` to
 * `periodMs`. Agents started together (a site restart, a mass deployment) drift apart a little each
 * period instead of polling in step, and none waits longer than the period it was given.
 */
export function spreadEarlier(periodMs: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(periodMs - random() * fraction * periodMs);
}

/**
 * A wait made longer by up to `fraction` of it at random: from `waitMs` to `waitMs × (1 + fraction)`.
 * For a wait a server asked for (Retry-After): never cut short, and a refused crowd does not
 * come back at the same instant.
 */
export function spreadLater(waitMs: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(waitMs + random() * fraction * waitMs);
}
