/** What happens after a failed push attempt. */
export interface RetryDecision {
  /** When to try again, or null when the retry window is over (the host stays failed). */
  nextAttemptAt: Date | null;
}

/**
 * The retry schedule of a failed push (default: every hour for seven days). The window counts from
 * when the host was queued; an attempt is scheduled only if it starts inside the window.
 */
export function nextAttempt(
  queuedAt: Date,
  failedAt: Date,
  schedule: { retryIntervalSeconds: number; retryForSeconds: number },
): RetryDecision {
  const next = failedAt.getTime() + schedule.retryIntervalSeconds * 1000;
  const end = queuedAt.getTime() + schedule.retryForSeconds * 1000;
  return { nextAttemptAt: next <= end ? new Date(next) : null };
}
