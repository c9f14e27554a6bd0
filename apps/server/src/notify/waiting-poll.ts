import type { ServerResponse } from 'node:http';
import type { NotifyAction } from '@siteport/protocol';
import type { AnswerSealer } from '../mp/index.js';
import type { NotificationHub, PollWaiter } from './notification-hub.js';
import type { ExpiringPoll, PollDeadlines } from './poll-deadlines.js';

/** How a poll's answer is authenticated: its request's session MAC or signature (decision 0092). */
type AnswerAuth = Parameters<AnswerSealer['send']>[3];

/** What every waiting poll of one MP process shares. */
export interface PollPlace {
  hub: NotificationHub;
  deadlines: PollDeadlines;
  /** Writes the answer: these actions, sealed for this request. */
  send(res: ServerResponse, actions: readonly NotifyAction[], auth: AnswerAuth): void;
}

const NO_ACTIONS: readonly NotifyAction[] = Object.freeze([]);

/**
 * One long-poll waiting for actions: answered once, by an action, by its wait running out, or not
 * at all when its request closed first. A waiting poll is held for the whole wait (20–110 s),
 * long enough for the collector to promote it, so it is one object that is at once the hub's
 * waiter and the deadline's entry, instead of a handful of closures and records per poll.
 */
export class WaitingPoll implements PollWaiter, ExpiringPoll {
  private done = false;
  /** The deadline bucket, 0 while none is set. */
  private slot = 0;

  constructor(
    private readonly place: PollPlace,
    private readonly clientId: string,
    private readonly res: ServerResponse,
    private readonly auth: AnswerAuth,
  ) {}

  /**
   * Registers with the hub, which answers at once when actions are queued; otherwise waits
   * `waitMs` (0: answers with no action now).
   */
  start(waitMs: number): void {
    this.place.hub.poll(this.clientId, this);
    if (this.done) return;
    if (waitMs === 0) {
      this.expire();
      return;
    }
    this.slot = this.place.deadlines.add(waitMs, this);
    this.res.once('close', () => this.close());
  }

  answer(actions: readonly NotifyAction[]): void {
    if (this.done) return;
    this.done = true;
    if (this.slot !== 0) this.place.deadlines.cancel(this.slot, this);
    if (!this.res.destroyed) this.place.send(this.res, actions, this.auth);
  }

  expire(): void {
    this.place.hub.release(this.clientId, this);
    this.answer(NO_ACTIONS);
  }

  /** The request closed (the client went away): nothing more is sent. */
  private close(): void {
    if (this.done) return;
    this.done = true;
    this.place.hub.release(this.clientId, this);
    if (this.slot !== 0) this.place.deadlines.cancel(this.slot, this);
  }
}
