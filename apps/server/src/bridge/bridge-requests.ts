import { randomUUID } from 'node:crypto';
import type { BridgeEvent, EventBridge, ReceivedEvent } from './event-bridge.js';

/** An answer kind: carries the request id and the issuer it is addressed to. */
type Answer = Extract<BridgeEvent, { requestId: string; to: string }>;
/** A request kind, as the asker writes it (the request id is filled in). */
type Request = Exclude<Extract<BridgeEvent, { requestId: string }>, Answer>;
type Asked = Request extends infer R ? (R extends Request ? Omit<R, 'requestId'> : never) : never;

/**
 * What came back for one request: the answer parts per MP (one part, or several when an MP answers
 * as it goes), and the MPs whose answer was not complete at the timeout.
 */
export interface Answers<A> {
  /** Every part that came in time, per MP, in arrival order: also the parts of an MP that is missing. */
  answers: Map<string, A[]>;
  /** Registry ids of the live MPs whose last part had not come before the timeout. */
  missing: string[];
  /** Registry ids of the MPs whose answer was read only by the last look at the timeout. */
  readAtDeadline: string[];
}

/** The longest a request's last look for late answers may take (one read of the event log). */
const LAST_LOOK_MS = 2000;

function allAnswered(expected: ReadonlySet<string>, complete: ReadonlySet<string>): boolean {
  return [...expected].every((id) => complete.has(id));
}

/** Whether more parts of this answer follow (only notify results come in parts). */
function hasMore(answer: Answer): boolean {
  return 'more' in answer && answer.more === true;
}

interface Pending {
  kind: Answer['kind'];
  expected: Set<string>;
  answers: Map<string, Answer[]>;
  /** MPs whose last part came. */
  complete: Set<string>;
  done: () => void;
}

/**
 * Request/answer over the event bridge: asks every other live MP process of the site and collects
 * their answers (an answer may come in parts) until all have answered or the timeout passed (an MP that died without being
 * noticed yet is reported as missing, not waited for forever). At the timeout the event log is read
 * once more before anyone is reported missing: on a busy process the timer can run before the
 * notification of an answer that arrived in time has been read.
 */
export class BridgeRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly bridge: EventBridge,
    /** Registry ids of the other live MP processes. */
    private readonly others: () => readonly { id: string }[],
  ) {
    bridge.subscribe((received) => this.received(received));
  }

  /** Publishes `request` (its requestId is filled in) and waits for the `answerKind` answers. */
  async ask<K extends Answer['kind']>(
    request: Asked,
    answerKind: K,
    timeoutMs: number,
  ): Promise<Answers<Extract<Answer, { kind: K }>>> {
    const expected = new Set(this.others().map((o) => o.id));
    const requestId = randomUUID();
    const answers = new Map<string, Answer[]>();
    const complete = new Set<string>();
    if (expected.size === 0) return { answers: new Map(), missing: [], readAtDeadline: [] };
    let timer: NodeJS.Timeout | undefined;
    let beforeLastLook: Set<string> | undefined;
    const finished = new Promise<void>((resolve) => {
      this.pending.set(requestId, { kind: answerKind, expected, answers, complete, done: resolve });
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await this.bridge.publish({ ...request, requestId });
      await finished;
      if (!allAnswered(expected, complete)) {
        beforeLastLook = new Set(complete);
        let last: NodeJS.Timeout | undefined;
        await Promise.race([
          this.bridge.catchUp(),
          new Promise((resolve) => (last = setTimeout(resolve, LAST_LOOK_MS))),
        ]);
        clearTimeout(last);
      }
    } finally {
      clearTimeout(timer);
      this.pending.delete(requestId);
    }
    return {
      answers: answers as Map<string, Extract<Answer, { kind: K }>[]>,
      missing: [...expected].filter((id) => !complete.has(id)),
      readAtDeadline: beforeLastLook === undefined ? [] : [...complete].filter((id) => !beforeLastLook.has(id)),
    };
  }

  private received({ origin, event }: ReceivedEvent): void {
    if (!('to' in event) || event.to !== this.bridge.origin) return;
    const pending = this.pending.get(event.requestId);
    if (pending === undefined || pending.kind !== event.kind) return;
    const parts = pending.answers.get(origin);
    if (parts === undefined) pending.answers.set(origin, [event]);
    else parts.push(event);
    if (hasMore(event)) return;
    pending.complete.add(origin);
    if (allAnswered(pending.expected, pending.complete)) pending.done();
  }
}
