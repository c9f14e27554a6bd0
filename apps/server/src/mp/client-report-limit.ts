import { SiteportError } from '@siteport/protocol';

/** Reports one client may send at once: a restart or two and a shortened interval fit. */
export const REPORT_BURST = 4;
/** The probe interval agents use when policy names none (every 6 hours). */
export const DEFAULT_REACHABILITY_INTERVAL_SECONDS = 6 * 3600;
/** Most clients tracked at once. */
const MAX_CLIENTS = 65_536;

/** Options of {@link ClientReportLimit}. */
export interface ClientReportLimitOptions {
  /** What is limited, for the error message. */
  what: string;
  /** Reports in a burst. @default REPORT_BURST */
  burst?: number;
  /** Most clients tracked at once; past it, clients whose bucket is full again, then the least recently seen, are forgotten. @default 65536 */
  maxClients?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client for reports the agent sends on the site's schedule (decision 0119):
 * a client regains one report every half interval, in bursts of up to {@link REPORT_BURST}, so an
 * agent following its schedule (one report per interval, the first at random within it) never
 * meets the limit, while a client sending in a loop writes the site database a few times per
 * interval at most. A refused report gets `E_RATE_LIMITED` (HTTP 429) with the seconds until a
 * report is accepted again (`Retry-After`).
 */
export class ClientReportLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ClientReportLimitOptions) {
    this.burst = options.burst ?? REPORT_BURST;
    this.maxClients = options.maxClients ?? MAX_CLIENTS;
    this.now = options.now ?? Date.now;
  }

  /** Number of clients tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Throws E_RATE_LIMITED when `clientId` has no report left for this interval; takes nothing. */
  check(clientId: string, intervalSeconds: number): void {
    const bucket = this.buckets.get(clientId);
    if (bucket === undefined) return;
    const rate = ratePerMs(intervalSeconds);
    const tokens = Math.min(this.burst, bucket.tokens + (this.now() - bucket.at) * rate);
    if (tokens < 1) throw this.refusal(clientId, tokens, rate, intervalSeconds);
  }

  /** Takes one report for `clientId`, or throws E_RATE_LIMITED with `details.retryAfterSeconds`. */
  take(clientId: string, intervalSeconds: number): void {
    const now = this.now();
    const rate = ratePerMs(intervalSeconds);
    let bucket = this.buckets.get(clientId);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.evict(now, rate);
      bucket = { tokens: this.burst, at: now };
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * rate);
      bucket.at = now;
      // Last seen last: eviction drops quiet clients first, never the one sending now.
      this.buckets.delete(clientId);
    }
    this.buckets.set(clientId, bucket);
    if (bucket.tokens < 1) throw this.refusal(clientId, bucket.tokens, rate, intervalSeconds);
    bucket.tokens -= 1;
  }

  private refusal(clientId: string, tokens: number, rate: number, intervalSeconds: number): SiteportError {
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / rate / 1000));
    return new SiteportError(
      'E_RATE_LIMITED',
      `too many ${this.options.what} from client ${clientId} (the site's schedule is one every ${intervalSeconds} s); retry after ${retryAfterSeconds} s`,
      { details: { retryAfterSeconds } },
    );
  }

  /**
   * Makes room: drops every bucket that is full again (at most once a second), and if that freed
   * nothing, the least recently seen client, which then starts again with a full bucket.
   */
  private evict(now: number, rate: number): void {
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= this.burst) this.buckets.delete(key);
      if (this.buckets.size < this.maxClients) return;
    }
    const oldest = this.buckets.keys().next();
    if (oldest.done !== true) this.buckets.delete(oldest.value);
  }
}

/** One report regained per half interval. */
function ratePerMs(intervalSeconds: number): number {
  return 2 / (Math.max(1, intervalSeconds) * 1000);
}
