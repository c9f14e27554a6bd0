import { backoffDelay, spreadLater } from '@siteport/backoff';
import type { SiteportError } from '@siteport/protocol';

/** Up to this much more than the site's Retry-After, at random (decision 0095). */
const RETRY_AFTER_SPREAD = 0.2;

/**
 * How long to wait after a failed cycle: the backoff with full jitter, its ceiling doubling from
 * `baseMs` up to the interval (a pending, blocked or retired client too: it asks about once an
 * interval once the ceiling is there); at least the site's Retry-After, with up to a fifth more at
 * random so a rate-limited crowd does not come back at once (decision 0095).
 */
export function retryDelay(failure: SiteportError, failures: number, baseMs: number, intervalMs: number): number {
  const backoff = backoffDelay(failures - 1, { baseMs, capMs: intervalMs });
  const retryAfter = failure.details?.retryAfterSeconds;
  if (failure.code !== 'E_RATE_LIMITED' || typeof retryAfter !== 'number' || !(retryAfter > 0)) return backoff;
  return Math.max(backoff, spreadLater(Math.min(retryAfter, 3600) * 1000, RETRY_AFTER_SPREAD));
}

/** The wait between cycles, which a stop, a reload or a cycle asked for now cuts short. */
export class CycleSleep {
  private wakeUp: (() => void) | undefined;

  /** Waits `ms` unless `skip` is already true or {@link wake} is called. One timer at a time, never a busy loop. */
  sleep(ms: number, skip: boolean): Promise<void> {
    if (skip) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  /** Ends the current wait, if any. */
  wake(): void {
    this.wakeUp?.();
  }
}
