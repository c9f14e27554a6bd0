import type { NotifyClientResult } from '@siteport/protocol';

/** Most results in one part: one part is one row of the event log. */
export const RESULT_PART_SIZE = 5000;

/** One part of an answer; `more` when further parts follow. */
export interface ResultPart {
  results: NotifyClientResult[];
  more: boolean;
}

/**
 * How an MP answers another MP's notify request: the results of the clients that
 * acknowledged go back in parts as they come — at most every `everyMs`, at most
 * {@link RESULT_PART_SIZE} each — and the last part, once the wait is over, holds only the clients
 * that did not answer. A single client that dropped within the offline window keeps an MP's
 * answer open for the whole wait; with one end-of-wait answer every MP then sent all its results
 * at the same moment, and at 150,000 clients those answers came too late for the issuer.
 */
export class ResultStream {
  private buffer: NotifyClientResult[] = [];
  private readonly sent = new Set<NotifyClientResult>();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly send: (part: ResultPart) => void,
    private readonly everyMs: number,
  ) {}

  /** A client's result is final (it acknowledged or failed): goes out with the next part. */
  add(result: NotifyClientResult): void {
    if (this.ended || this.sent.has(result)) return;
    this.sent.add(result);
    this.buffer.push(result);
    if (this.buffer.length >= RESULT_PART_SIZE) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  /** The wait is over: sends what is buffered and every result not sent yet, the last part without `more`. */
  end(all: readonly NotifyClientResult[]): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const rest = [...this.buffer, ...all.filter((result) => !this.sent.has(result))];
    this.buffer = [];
    for (let i = 0; i === 0 || i < rest.length; i += RESULT_PART_SIZE) {
      this.send({ results: rest.slice(i, i + RESULT_PART_SIZE), more: i + RESULT_PART_SIZE < rest.length });
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const results = this.buffer;
    this.buffer = [];
    this.send({ results, more: true });
  }
}
