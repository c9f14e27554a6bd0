// Over 300 lines: presence, pushes and acknowledgements of every connected client share one map; the per-connection part is notify-session.ts.
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  type ChannelView,
  type NotifyAck,
  type NotifyAction,
  type NotifyChannelKind,
  type NotifyClientResult,
  encodeFrame,
} from '@siteport/protocol';

/** A live TCP notification session as the hub sees it. */
export interface TcpPeer {
  /** Sends one action; `frame` is its encoded `action` frame, built once for every recipient. */
  sendAction(action: NotifyAction, frame: Uint8Array): void;
  /** Closes the session (a newer one replaced it, or it went silent). */
  close(reason: string): void;
  /**
   * The kernel's TCP keep-alive checks this connection and the agent does not ping: the client is
   * online while the session is open, however long since it last sent a frame.
   */
  readonly kernelKeepAlive?: boolean;
}

/** A long-poll request waiting for actions. */
export interface PollWaiter {
  /** Answers the poll with these actions (possibly none); one push hands every waiter the same array. */
  answer(actions: readonly NotifyAction[]): void;
}

/** Where one client can be reached now. Kept small: one of these per client. */
interface Presence {
  lastSeen: number;
  tcp: TcpPeer | null;
  waiter: PollWaiter | null;
  /** Actions for a polling client that has no request waiting right now. */
  queue: NotifyAction[] | null;
  /** Actions sent over TCP and not acknowledged yet: sent again on the channel the client comes back on. */
  inflight: NotifyAction[] | null;
}

/** One push to many clients: results filled as acks arrive, settled at the deadline. */
interface Batch {
  results: NotifyClientResult[];
  waiting: Map<string, number>;
  onAnswer: ((result: NotifyClientResult) => void) | undefined;
  settle: () => void;
  /** performance.now() when the action was sent. */
  started: number;
}

const MAX_QUEUED = 32;

/** The `action` frame of an action, as a Buffer (what a socket writes without converting). */
function actionFrame(action: NotifyAction): Buffer {
  const bytes = encodeFrame('action', action);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
const deliveredChannel = diagnostics.channel('siteport:notify:delivered');
const presenceChannel = diagnostics.channel('siteport:notify:presence');
/** `{ via, ms }`: a client acknowledged an action `ms` after it was sent (the ops metrics' latency histogram). */
const acknowledgedChannel = diagnostics.channel('siteport:notify:acknowledged');

/**
 * The site's view of which clients can be notified and how: one TCP session or long-poll per
 * client. It delivers an action to many clients at once and collects their acknowledgements; a
 * client is online while it was heard from within `offlineAfterMs` (offline after a
 * configurable silence, default 5 minutes).
 */
export class NotificationHub {
  private readonly presence = new Map<string, Presence>();
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly options: {
      offlineAfterMs: number;
      now?: () => number;
      /** Logs one line per push: how many clients and how long writing it to them took. */
      logger?: Pick<Logger, 'info'>;
    },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private entry(clientId: string): Presence {
    let p = this.presence.get(clientId);
    if (p === undefined) {
      p = { lastSeen: this.now(), tcp: null, waiter: null, queue: null, inflight: null };
      this.presence.set(clientId, p);
    }
    return p;
  }

  /** Records that a client was heard from (any frame, any poll). */
  seen(clientId: string): void {
    const p = this.presence.get(clientId);
    if (p !== undefined) p.lastSeen = this.now();
  }

  /** A TCP session authenticated; an older session of the same client is closed. */
  attachTcp(clientId: string, peer: TcpPeer): void {
    const p = this.entry(clientId);
    const old = p.tcp;
    p.tcp = peer;
    p.lastSeen = this.now();
    if (old !== null && old !== peer) old.close('replaced by a newer connection of the same client');
    // Back on TCP: a poll still waiting is answered empty; the client stops polling.
    p.waiter?.answer([]);
    p.waiter = null;
    // Actions queued while the client was on the long-poll, or unacknowledged on the old
    // session, go out on the new channel.
    const pending = [...(p.inflight ?? []), ...(p.queue ?? [])];
    p.queue = null;
    p.inflight = pending.length > 0 ? pending : null;
    for (const action of pending) peer.sendAction(action, actionFrame(action));
    if (presenceChannel.hasSubscribers) presenceChannel.publish({ clientId, channel: 'tcp', event: 'attach' });
  }

  /** A TCP session ended. */
  detachTcp(clientId: string, peer: TcpPeer): void {
    const p = this.presence.get(clientId);
    if (p?.tcp !== peer) return;
    p.tcp = null;
    if (presenceChannel.hasSubscribers) presenceChannel.publish({ clientId, channel: 'tcp', event: 'detach' });
  }

  /**
   * A long-poll arrived. Queued actions answer it at once; otherwise it waits until an action
   * comes or it is {@link release}d (its wait ran out or the request closed).
   */
  poll(clientId: string, waiter: PollWaiter): void {
    const p = this.entry(clientId);
    p.lastSeen = this.now();
    // A client that polls has lost its TCP channel, even if the server has not noticed yet.
    if (p.tcp !== null) {
      p.tcp.close('the client switched to the long-poll');
      p.tcp = null;
      if (p.inflight !== null) p.queue = [...p.inflight, ...(p.queue ?? [])].slice(-MAX_QUEUED);
      p.inflight = null;
    }
    p.waiter?.answer([]);
    p.waiter = null;
    if (p.queue !== null) {
      const actions = p.queue;
      p.queue = null;
      waiter.answer(actions);
      return;
    }
    p.waiter = waiter;
  }

  /** A long-poll stopped waiting without an action (its wait ran out or its request closed). */
  release(clientId: string, waiter: PollWaiter): void {
    const p = this.presence.get(clientId);
    if (p?.waiter === waiter) p.waiter = null;
  }

  /** Applies an acknowledgement from a client; `via` is the channel it came back on (the result reports it). */
  acknowledge(clientId: string, ack: NotifyAck, via: NotifyChannelKind): void {
    this.seen(clientId);
    const p = this.presence.get(clientId);
    if (p?.inflight != null) {
      p.inflight = p.inflight.filter((a) => a.id !== ack.id);
      if (p.inflight.length === 0) p.inflight = null;
    }
    const batch = this.batches.get(ack.id);
    const index = batch?.waiting.get(clientId);
    if (batch === undefined || index === undefined) return;
    batch.waiting.delete(clientId);
    const result = batch.results[index];
    if (result !== undefined) {
      result.outcome = ack.ok ? 'acknowledged' : 'failed';
      result.via = via;
      if (ack.ok && acknowledgedChannel.hasSubscribers)
        acknowledgedChannel.publish({ via, ms: performance.now() - batch.started });
      if (!ack.ok)
        result.error = ack.error ?? { code: 'E_INTERNAL', message: 'the client reported a failure without a reason' };
      batch.onAnswer?.(result);
    }
    if (batch.waiting.size === 0) batch.settle();
  }

  /** Whether a client was heard from within the offline window, has a long-poll waiting now, or a kernel-watched TCP session. */
  isOnline(clientId: string): boolean {
    const p = this.presence.get(clientId);
    return (
      p !== undefined &&
      (p.waiter !== null || p.tcp?.kernelKeepAlive === true || this.now() - p.lastSeen <= this.options.offlineAfterMs)
    );
  }

  /** How a client is reachable now, or null when it is offline. */
  channelOf(clientId: string): NotifyChannelKind | null {
    const p = this.presence.get(clientId);
    if (p === undefined || !this.isOnline(clientId)) return null;
    return p.tcp !== null ? 'tcp' : 'http-poll';
  }

  /** Calls `visit` for every client online now with its channel; no list is built (runs every few seconds over every client). */
  forEachOnline(visit: (clientId: string, channel: NotifyChannelKind) => void): void {
    const now = this.now();
    for (const [clientId, p] of this.presence) {
      if (p.waiter !== null || p.tcp?.kernelKeepAlive === true || now - p.lastSeen <= this.options.offlineAfterMs)
        visit(clientId, p.tcp !== null ? 'tcp' : 'http-poll');
    }
  }

  /** Client ids online now. */
  onlineClients(): string[] {
    return [...this.presence.keys()].filter((id) => this.isOnline(id));
  }

  /** Presence of every client the hub has heard from since start. */
  views(): ChannelView[] {
    return [...this.presence.entries()].map(([clientId, p]) => ({
      clientId,
      online: this.isOnline(clientId),
      channel: this.channelOf(clientId),
      lastSeen: new Date(p.lastSeen).toISOString(),
    }));
  }

  /** Clients online now, by the channel they are reachable on. */
  onlineCounts(): { tcp: number; 'http-poll': number } {
    const counts = { tcp: 0, 'http-poll': 0 };
    for (const [clientId, p] of this.presence) {
      if (!this.isOnline(clientId)) continue;
      if (p.tcp !== null) counts.tcp += 1;
      else counts['http-poll'] += 1;
    }
    return counts;
  }

  /** Number of live TCP sessions. */
  tcpCount(): number {
    let n = 0;
    for (const p of this.presence.values()) if (p.tcp !== null) n += 1;
    return n;
  }

  /**
   * Delivers one action to each client and waits up to `waitMs` for their acknowledgements.
   * Resolves with one result per client, in the order given; `onAnswer` sees each client's result
   * as its acknowledgement comes (the same object the resolved list holds).
   */
  deliver(
    clientIds: readonly string[],
    action: Omit<NotifyAction, 'id'>,
    waitMs: number,
    onAnswer?: (result: NotifyClientResult) => void,
  ): Promise<NotifyClientResult[]> {
    const started = performance.now();
    const id = randomBytes(12).toString('base64url');
    const message: NotifyAction = { id, ...action };
    // Encoded once: every TCP session writes the same bytes, every waiting poll gets the same array.
    const frame = actionFrame(message);
    const single: readonly NotifyAction[] = Object.freeze([message]);
    const results: NotifyClientResult[] = [];
    const waiting = new Map<string, number>();
    for (const clientId of clientIds) {
      const channel = this.channelOf(clientId);
      const p = this.presence.get(clientId);
      if (channel === null || p === undefined || waiting.has(clientId)) {
        results.push({ clientId, outcome: waiting.has(clientId) ? 'timeout' : 'offline', via: null });
        continue;
      }
      waiting.set(clientId, results.length);
      results.push({ clientId, outcome: 'timeout', via: channel });
      if (p.tcp !== null) {
        p.tcp.sendAction(message, frame);
        p.inflight ??= [];
        if (p.inflight.length >= MAX_QUEUED) p.inflight.shift();
        p.inflight.push(message);
      } else if (p.waiter !== null) {
        const waiter = p.waiter;
        p.waiter = null;
        waiter.answer(single);
      } else {
        p.queue ??= [];
        if (p.queue.length >= MAX_QUEUED) p.queue.shift();
        p.queue.push(message);
      }
    }
    if (deliveredChannel.hasSubscribers) deliveredChannel.publish({ id, action: action.action, clients: waiting.size });
    if (this.options.logger !== undefined) {
      const logger = this.options.logger;
      const clients = waiting.size;
      // TCP frames went to the kernel in the loop above; poll answers go in the ticks their
      // responses queued, which run before this one. Then this is how long handing the action to
      // the network took for all clients.
      process.nextTick(() =>
        logger.info(
          { id, action: action.action, clients, writeMs: Math.round(performance.now() - started) },
          'action sent',
        ),
      );
    }
    if (waiting.size === 0 || waitMs === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      const timer = setTimeout(() => batch.settle(), waitMs);
      const batch: Batch = {
        results,
        waiting,
        onAnswer,
        started,
        settle: () => {
          clearTimeout(timer);
          this.batches.delete(id);
          // Unanswered by the deadline: not sent again later.
          for (const clientId of waiting.keys()) {
            const p = this.presence.get(clientId);
            if (p?.inflight == null) continue;
            p.inflight = p.inflight.filter((a) => a.id !== id);
            if (p.inflight.length === 0) p.inflight = null;
          }
          resolve(results);
        },
      };
      this.batches.set(id, batch);
    });
  }

  /**
   * Drops a client at once (an administrator blocked or retired it): its TCP session is closed, a
   * waiting poll is answered empty, and what was queued for it is discarded. Its next connection
   * or poll is refused by the client look-up.
   */
  disconnect(clientId: string, reason: string): void {
    const p = this.presence.get(clientId);
    if (p === undefined) return;
    this.presence.delete(clientId);
    p.tcp?.close(reason);
    p.waiter?.answer([]);
    if (presenceChannel.hasSubscribers)
      presenceChannel.publish({ clientId, channel: p.tcp === null ? 'http-poll' : 'tcp', event: 'detach' });
  }

  /** Closes every TCP session and answers every waiting poll (server stopping). */
  closeAll(reason: string): void {
    for (const p of this.presence.values()) {
      p.tcp?.close(reason);
      p.tcp = null;
      p.waiter?.answer([]);
      p.waiter = null;
    }
    for (const batch of [...this.batches.values()]) batch.settle();
  }
}
