/**
 * Jittered exponential backoff: attempt n waits between half and all of min(max, base × 2^n), so
 * thousands of agents cut off at once do not reconnect in lock-step.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
