/** How retry delays grow: the ceiling starts at `baseMs` and doubles per attempt up to `capMs`. */
export interface BackoffPolicy {
  /** Ceiling of the first retry's delay, in milliseconds. */
  baseMs: number;
  /** The ceiling never grows past this, in milliseconds. */
  capMs: number;
}

/** Past this many doublings every ceiling in use is at its cap; it keeps 2^attempt finite. */
const MAX_DOUBLINGS = 30;

/**
 * The delay before retry `attempt` (0 for the first retry after a failure) with full jitter: a
 * random whole number of milliseconds from 0 to min(capMs, baseMs × 2^attempt). Spread over the
 * whole range, thousands of clients cut off at once come back evenly rather than in waves. `random`
 * returns a number in [0, 1), like Math.random (tests pass a fixed one).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), MAX_DOUBLINGS));
  return Math.round(random() * ceiling);
}
