import { SiteportError } from '@siteport/protocol';

/** How many password hashes may run and wait at once. */
export interface HashGateLimits {
  /** Hashes running at the same time on libuv's thread pool (4 threads by default). @default 2 */
  readonly running: number;
  /** Hashes waiting for a free slot; one more is refused at once with E_PASSWORD_BUSY. @default 8 */
  readonly waiting: number;
}

/** What the gate does by default: half the thread pool for hashes, a short line behind them. */
const DEFAULT_HASH_GATE_LIMITS: HashGateLimits = Object.freeze({ running: 2, waiting: 8 });

/** Seconds a refused caller is told to wait: about the time the waiting line takes to drain. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Bounds the expensive password hashes of one process. scrypt runs on libuv's thread pool, which
 * file reads, DNS lookups and other crypto share; an unbounded flood of sign-ins would queue
 * there without limit and starve them all. The gate lets {@link HashGateLimits.running} hashes run,
 * keeps up to {@link HashGateLimits.waiting} in a FIFO line, and refuses the rest at once.
 */
export class HashGate {
  private active = 0;
  private readonly line: (() => void)[] = [];

  constructor(private readonly limits: HashGateLimits = DEFAULT_HASH_GATE_LIMITS) {}

  /** Hashes running and waiting now (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.line.length };
  }

  /** Runs `work` when a slot is free; throws E_PASSWORD_BUSY at once when the line is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limits.running) {
      if (this.line.length >= this.limits.waiting) {
        throw new SiteportError(
          'E_PASSWORD_BUSY',
          `the server is busy checking other passwords (${this.limits.running} running, ${this.limits.waiting} waiting); retry in ${RETRY_AFTER_SECONDS} seconds`,
          { details: { retryAfterSeconds: RETRY_AFTER_SECONDS } },
        );
      }
      await new Promise<void>((resolve) => this.line.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.line.shift();
      // The slot passes straight to the next in line, so `active` only drops when nobody waits.
      if (next === undefined) this.active -= 1;
      else next();
    }
  }
}
