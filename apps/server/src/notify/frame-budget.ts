/**
 * A token bucket over the frames one notification connection sends: `burst` frames at once, then
 * `perSecond` on average. An honest agent sends a ping per keep-alive interval and an ack per
 * action; a client past the budget is flooding and is closed (decision 0091).
 */
export class FrameBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Spends `frames` at time `now` (ms); false when the connection has sent more than its budget. */
  spend(frames: number, now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= frames;
    return this.tokens >= 0;
  }
}
