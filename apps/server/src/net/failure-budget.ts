/** Limits of one {@link FailureBudget}. */
export interface FailureBudgetLimits {
  /** Failures (counting attempts still in flight) a key may have before it is locked. */
  readonly failures: number;
  /** How long a lock lasts, and how long a key's failures are remembered after its last one. */
  readonly lockoutMs: number;
  /** Keys remembered at most; beyond it expired keys are dropped, then the oldest unlocked one. */
  readonly maxKeys: number;
  /**
   * When attempts in flight count against the budget: `always` (no parallel overshoot at all), or
   * `after-failure` (a key without failures is never refused for its parallel attempts; one wave of
   * parallel guesses can overshoot the budget once).
   */
  readonly inFlight: 'always' | 'after-failure';
}

/** A lock that one failure has just started. */
export interface Lockout {
  key: string;
  /** Failures that led to it. */
  failures: number;
  /** When the lock ends. */
  until: Date;
  retryAfterSeconds: number;
}

/** How an attempt reserved with {@link FailureBudget.tryReserve} ended. */
export type AttemptOutcome = 'failure' | 'success' | 'none';

interface Entry {
  failures: number;
  /** Reserved attempts not settled yet: they count against the budget so that parallel attempts cannot overshoot it. */
  pending: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/**
 * Counts failed attempts per key (an account name, a source address) in memory, and locks a key
 * that used up its budget for a while. Memory is bounded by {@link FailureBudgetLimits.maxKeys};
 * entries expire on their own when read, so no timer runs.
 */
export class FailureBudget {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limits: FailureBudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keys remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Reserves one attempt for `key`. Returns 0 when reserved, else the milliseconds until the key
   * may try again (nothing is reserved then). Every reservation must be settled once.
   */
  tryReserve(key: string): number {
    const now = this.now();
    let entry = this.live(key, now);
    if (entry !== undefined) {
      if (entry.lockedUntil > now) return entry.lockedUntil - now;
      // Budget taken by attempts in flight: one of them settles within a password check.
      const counted = this.limits.inFlight === 'always' || entry.failures > 0;
      if (counted && entry.failures + entry.pending >= this.limits.failures) return 1000;
    } else {
      entry = { failures: 0, pending: 0, lastFailureAt: 0, lockedUntil: 0 };
      this.makeRoom(now);
      this.entries.set(key, entry);
    }
    entry.pending += 1;
    return 0;
  }

  /**
   * Settles a reserved attempt: a failure counts (and may start a lock, returned), a success
   * forgets the key's failures, `none` only frees the reservation.
   */
  settle(key: string, outcome: AttemptOutcome): Lockout | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    entry.pending = Math.max(0, entry.pending - 1);
    if (outcome === 'success') entry.failures = 0;
    if (outcome !== 'failure') {
      if (this.expired(entry, now)) this.entries.delete(key);
      return undefined;
    }
    entry.failures += 1;
    entry.lastFailureAt = now;
    if (entry.lockedUntil > now || entry.failures < this.limits.failures) return undefined;
    const failures = entry.failures;
    entry.lockedUntil = now + this.limits.lockoutMs;
    entry.failures = 0;
    return {
      key,
      failures,
      until: new Date(entry.lockedUntil),
      retryAfterSeconds: Math.ceil(this.limits.lockoutMs / 1000),
    };
  }

  /** The key's entry, or undefined when it has none or it has expired (then it is dropped). */
  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (!this.expired(entry, now)) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private expired(entry: Entry, now: number): boolean {
    return entry.pending === 0 && entry.lockedUntil <= now && now - entry.lastFailureAt >= this.limits.lockoutMs;
  }

  /** Keeps the map under its cap: expired entries go first, then the oldest that holds no lock. */
  private makeRoom(now: number): void {
    if (this.entries.size < this.limits.maxKeys) return;
    for (const [key, entry] of this.entries) if (this.expired(entry, now)) this.entries.delete(key);
    if (this.entries.size < this.limits.maxKeys) return;
    let victim: string | undefined;
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntil <= now && entry.pending === 0) {
        victim = key;
        break;
      }
    }
    // Every key locked or in flight: the oldest goes, so that memory stays bounded whatever happens.
    this.entries.delete(victim ?? (this.entries.keys().next().value as string));
  }
}
