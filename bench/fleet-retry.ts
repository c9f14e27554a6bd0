import { backoffDelay } from '@siteport/backoff';

/** The reason given for a client the fleet never tried because its connect deadline had passed. */
export const NOT_TRIED = 'not tried: the connect deadline passed';

/** How a simulated client retries its first connection, as the agent's notification client does. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Epoch ms after which no attempt starts. */
  deadline: number;
  /** Ceiling of the first backoff; doubles per failure, with full jitter (`backoffDelay`, as the agent). */
  baseMs: number;
  maxMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Opens one simulated client, retrying a failed attempt after the agent's backoff: a real
 * agent whose connection timed out on a saturated MP reconnects, it does not give up. Resolves with
 * null once connected, or with the reason of the last failure.
 */
export async function connectWithRetries(
  open: () => Promise<string | null>,
  policy: RetryPolicy,
): Promise<string | null> {
  const now = policy.now ?? Date.now;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let reason: string | null = NOT_TRIED;
  for (let attempt = 0; attempt < policy.attempts; attempt += 1) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, { baseMs: policy.baseMs, capMs: policy.maxMs }));
    if (now() > policy.deadline) return attempt === 0 ? NOT_TRIED : reason;
    reason = await open();
    if (reason === null) return null;
  }
  return reason;
}
