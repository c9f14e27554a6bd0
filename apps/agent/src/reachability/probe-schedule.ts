import { backoffDelay, spreadEarlier } from '@siteport/backoff';

/** How much of the interval each later period is shortened by at random, so a fleet drifts apart. */
const PERIOD_SPREAD = 0.1;

/**
 * When an agent next probes which MP ports it reaches (decision 0109). The first probe comes after
 * a full-jitter delay, a random time from 0 to one interval, so a fleet started together (a site
 * restart, a mass deployment) spreads over the whole interval; each later one an interval after
 * the last, shortened by up to a tenth at random. When policy shortens the interval, a probe
 * planned further out than the new interval is planned anew the same way.
 */
export class ProbeSchedule {
  private nextAt: number | undefined;
  private intervalMs = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Whether a probe is due at `now` for this interval; the first call only plans the first probe. */
  due(now: number, intervalMs: number): boolean {
    if (this.nextAt === undefined || (intervalMs < this.intervalMs && this.nextAt - now > intervalMs)) {
      this.intervalMs = intervalMs;
      this.nextAt = now + backoffDelay(0, { baseMs: intervalMs, capMs: intervalMs }, this.random);
    }
    this.intervalMs = intervalMs;
    return now >= this.nextAt;
  }

  /** A probe ran (or failed) at `now`: the next one is about one interval later. */
  ran(now: number): void {
    this.nextAt = now + spreadEarlier(this.intervalMs, PERIOD_SPREAD, this.random);
  }

  /** When the next probe is planned (epoch ms), if planned. */
  get next(): number | undefined {
    return this.nextAt;
  }
}
