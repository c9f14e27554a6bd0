import { isIPv4 } from 'node:net';
import { SiteportError } from '@siteport/protocol';

/** Options of {@link SourceRateLimit}. */
export interface SourceRateLimitOptions {
  /** What is limited, for the error message ("registrations", "session openings"). */
  what: string;
  /** Requests per minute one source may make, in bursts of up to this many; 0 turns the limit off. */
  perMinute: number;
  /** Most sources tracked at once; past it the longest-tracked source is forgotten. @default 65536 */
  maxSources?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The source a request is counted against: an IPv4 address (IPv4-mapped IPv6 unwrapped), or the
 * /64 prefix of an IPv6 address — one IPv6 host usually holds a whole /64, so counting single
 * addresses would let it pick a fresh one for every request.
 */
export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address) || !address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * A token bucket per source address (decision 0095): each source may make `perMinute`
 * requests a minute, in bursts of up to `perMinute`. The map of buckets is bounded: full buckets
 * (a source quiet for a minute) are dropped when the map is full, then the oldest entries. A
 * refused request gets `E_RATE_LIMITED` (HTTP 429) with the seconds until a token is back, which
 * the MP sends as `Retry-After` and agents wait out.
 */
export class SourceRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxSources: number;
  private readonly now: () => number;
  /** Tokens regained per millisecond. */
  private readonly rate: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SourceRateLimitOptions) {
    this.maxSources = options.maxSources ?? 65_536;
    this.now = options.now ?? Date.now;
    this.rate = options.perMinute / 60_000;
  }

  /** Number of sources tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `address`, or throws E_RATE_LIMITED with `details.retryAfterSeconds`. */
  take(address: string): void {
    const limit = this.options.perMinute;
    if (limit === 0) return;
    const key = sourceKey(address);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxSources) this.evict(now);
      bucket = { tokens: limit, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.at) * this.rate);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate / 1000));
    throw new SiteportError(
      'E_RATE_LIMITED',
      `too many ${this.options.what} from ${key} (at most ${limit} a minute); retry after ${retryAfterSeconds} s`,
      { details: { retryAfterSeconds } },
    );
  }

  /**
   * Makes room: drops every bucket that is full again (at most once a second, so a flood of new
   * sources does not sweep the whole map per request), and if that freed nothing, the oldest
   * tracked source — which then starts again with a full bucket: eviction never limits harder.
   */
  private evict(now: number): void {
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      const limit = this.options.perMinute;
      for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * this.rate >= limit) this.buckets.delete(key);
      if (this.buckets.size < this.maxSources) return;
    }
    const oldest = this.buckets.keys().next();
    if (oldest.done !== true) this.buckets.delete(oldest.value);
  }
}
