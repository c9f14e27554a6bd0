/**
 * Where a listener stands in the site's event log, and which events it has delivered. Sequence
 * numbers are handed out when an insert starts, but inserts commit in any order, so a reader can
 * see seq 11 before seq 10 exists. The cursor therefore keeps a watermark (every seq at or below it
 * is settled), the delivered seqs above it (so a re-read delivers nothing twice), and the gaps below
 * the highest delivered seq, which stay open for `gapTimeoutMs` (an insert still committing) and are
 * then given up (a rolled-back insert leaves a permanent gap).
 */
export class EventCursor {
  private watermark: number;
  private readonly delivered = new Set<number>();
  private readonly gaps = new Map<number, number>();
  private highestSeq: number;
  /** Seqs up to here that were not delivered are settled without waiting (after a sequence jump). */
  private settledThrough: number;

  constructor(
    start: number,
    private readonly gapTimeoutMs: number,
    /** Gaps wider than this are given up at once (a sequence jump, not inserts in flight). */
    private readonly maxGaps = 10_000,
  ) {
    this.watermark = start;
    this.highestSeq = start;
    this.settledThrough = start;
  }

  /** Everything at or below this seq is settled (delivered or given up). */
  get from(): number {
    return this.watermark;
  }

  /** The highest seq delivered: new events are read above it. */
  get highest(): number {
    return this.highestSeq;
  }

  /** The missing seqs to read again (up to `limit`), oldest first. */
  openGaps(limit: number): number[] {
    return [...this.gaps.keys()].sort((a, b) => a - b).slice(0, limit);
  }

  /** Whether some seqs below the highest delivered one are still missing. */
  get hasGaps(): boolean {
    return this.gaps.size > 0;
  }

  /**
   * Takes the rows of one read (any order, duplicates allowed) and returns those not delivered
   * before, in seq order. Advances the watermark over delivered seqs and expired gaps.
   */
  accept<T extends { seq: number }>(rows: readonly T[], nowMs: number): T[] {
    const fresh: T[] = [];
    for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
      if (row.seq <= this.watermark || this.delivered.has(row.seq)) continue;
      this.delivered.add(row.seq);
      this.gaps.delete(row.seq);
      fresh.push(row);
      if (row.seq > this.highestSeq) this.noteGaps(row.seq, nowMs);
    }
    this.advance(nowMs);
    return fresh;
  }

  /** Gives up expired gaps when no rows arrived (called by a periodic read). */
  sweep(nowMs: number): void {
    this.advance(nowMs);
  }

  private noteGaps(seq: number, nowMs: number): void {
    const first = this.highestSeq + 1;
    if (seq - first > this.maxGaps) {
      // A jump, not a few inserts in flight: settle everything below the new row.
      this.settledThrough = seq - 1;
    } else {
      for (let s = first; s < seq; s += 1) if (!this.delivered.has(s)) this.gaps.set(s, nowMs);
    }
    this.highestSeq = seq;
  }

  private advance(nowMs: number): void {
    if (this.settledThrough > this.watermark) {
      for (const s of this.delivered) if (s <= this.settledThrough) this.delivered.delete(s);
      for (const s of this.gaps.keys()) if (s <= this.settledThrough) this.gaps.delete(s);
      this.watermark = this.settledThrough;
    }
    for (;;) {
      const next = this.watermark + 1;
      if (this.delivered.delete(next)) {
        this.watermark = next;
        continue;
      }
      const since = this.gaps.get(next);
      if (since !== undefined && nowMs - since >= this.gapTimeoutMs) {
        this.gaps.delete(next);
        this.watermark = next;
        continue;
      }
      return;
    }
  }
}
