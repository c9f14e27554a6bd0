/** A waiting long-poll as {@link PollDeadlines} keeps it. */
export interface ExpiringPoll {
  /** Its wait ran out: answer it with no action. */
  expire(): void;
}

/**
 * When waiting long-polls run out, on one timer for all of them: polls are kept in one-second
 * buckets and a tick answers every poll whose second has come, together. A timer per poll would
 * wake the process once per poll; at 19,000 clients polling every 50 s that is 380 separate
 * wake-ups a second, each answering one poll. A poll is answered at most `granularityMs` after
 * its wait. The tick runs only while polls wait. The poll object itself is the entry, and its
 * bucket is a number it keeps: a waiting poll allocates nothing here.
 */
export class PollDeadlines {
  private readonly buckets = new Map<number, Set<ExpiringPoll>>();
  private timer: NodeJS.Timeout | undefined;
  private waiting = 0;

  constructor(
    private readonly granularityMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of polls waiting. */
  get size(): number {
    return this.waiting;
  }

  /** Calls `poll.expire()` once `waitMs` has passed, unless cancelled first; returns the bucket to cancel with. */
  add(waitMs: number, poll: ExpiringPoll): number {
    const slot = Math.ceil((this.now() + waitMs) / this.granularityMs);
    let bucket = this.buckets.get(slot);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(slot, bucket);
    }
    if (!bucket.has(poll)) {
      bucket.add(poll);
      this.waiting += 1;
    }
    this.timer ??= setInterval(() => this.tick(), this.granularityMs).unref();
    return slot;
  }

  /** Takes a poll out (it was answered by an action, or its request closed); a no-op once it ran out. */
  cancel(slot: number, poll: ExpiringPoll): void {
    if (this.buckets.get(slot)?.delete(poll) === true) this.waiting -= 1;
  }

  /** Answers every poll whose time has come; stops the timer when none waits. */
  tick(): void {
    const current = Math.floor(this.now() / this.granularityMs);
    for (const [slot, bucket] of this.buckets) {
      if (slot > current) continue;
      this.buckets.delete(slot);
      this.waiting -= bucket.size;
      for (const poll of bucket) poll.expire();
    }
    if (this.waiting === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
