import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { ChannelView, NotifyAction, NotifyChannelKind, NotifyClientResult } from '@siteport/protocol';
import type { BridgeRequests, EventBridge, ReceivedEvent } from '../bridge/index.js';
import type { NotificationHub } from './notification-hub.js';
import { ResultStream } from './result-stream.js';

/** A client whose channel another MP process holds. */
interface RemoteChannel {
  origin: string;
  channel: NotifyChannelKind;
  at: string;
}

const PRESENCE_BATCH = 5000;

/**
 * How long an MP answering another's notify request waits for its clients' acks: the asker's wait
 * less the answer margin (at most half of it), so that the answer — results of thousands of
 * clients through PostgreSQL — is back before the asker's deadline of wait + margin even when the
 * machine is loaded. Clients that ack later count as timed out, as they would on the asker itself.
 */
export function answerWithin(waitMs: number, marginMs: number): number {
  return waitMs - Math.min(marginMs, waitMs / 2);
}
const remoteChannel = diagnostics.channel('siteport:notify:remote');

/**
 * Notification across the MP processes of a site, over the event bridge:
 * - an action issued here for clients connected to other MPs goes out as a `notify-request`; each MP
 *   delivers it to the clients whose channel it holds and answers with their per-client results,
 *   in parts as the acknowledgements come ({@link ResultStream});
 * - every MP answers the requests of others from its own {@link NotificationHub};
 * - presence: every MP publishes which clients it holds (changes every `presenceEveryMs`, a full
 *   snapshot when a process asks at its start), so any process knows which MP holds a client.
 */
export class RemoteNotify {
  private readonly remote = new Map<string, RemoteChannel>();
  /** What the others were last told, with the round that last saw each client online. */
  private published = new Map<string, { channel: NotifyChannelKind; round: number }>();
  private round = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: {
      bridge: EventBridge;
      hub: NotificationHub;
      requests: BridgeRequests;
      /** The other live MP processes (registry ids and hosts). */
      others: () => readonly { id: string; host: string }[];
      logger: Logger;
      /** @default 2000 */
      presenceEveryMs?: number;
      /** Added to an action's wait for the answers to travel back; the answering MPs also stop waiting this much earlier (see {@link answerWithin}). @default 3000 */
      answerMarginMs?: number;
      /** How often an answering MP sends the acknowledgements that came since its last part (see {@link ResultStream}). @default 500 */
      resultEveryMs?: number;
    },
  ) {}

  start(): void {
    this.unsubscribe = this.deps.bridge.subscribe((received) => this.received(received));
    this.timer = setInterval(() => this.publishPresence(false), this.deps.presenceEveryMs ?? 2000);
    this.timer.unref();
    this.publish({ kind: 'presence-query' });
  }

  /** Tells the others this MP holds no channel any more (graceful stop; the bridge flushes it as it stops). */
  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.published = new Map();
    this.publish({ kind: 'presence', online: [], offline: [], snapshot: true });
  }

  /** Whether another live MP holds this client's channel. */
  isOnline(clientId: string): boolean {
    const entry = this.remote.get(clientId);
    return entry !== undefined && this.deps.others().some((o) => o.id === entry.origin);
  }

  /** The channel another live MP holds for this client, or null. */
  channelOf(clientId: string): NotifyChannelKind | null {
    return this.isOnline(clientId) ? (this.remote.get(clientId)?.channel ?? null) : null;
  }

  /** The clients whose channel another live MP holds, as the admin API shows them. */
  views(): ChannelView[] {
    const hosts = new Map(this.deps.others().map((o) => [o.id, o.host]));
    const views: ChannelView[] = [];
    for (const [clientId, entry] of this.remote) {
      const host = hosts.get(entry.origin);
      if (host !== undefined)
        views.push({ clientId, online: true, channel: entry.channel, lastSeen: entry.at, managementPoint: host });
    }
    return views;
  }

  /**
   * Has the other MPs deliver an action (to these clients, or with null every online one) and
   * collects their results. The clients of an MP whose answer did not complete in time count as
   * timed out, except those whose acknowledgement came in an earlier part of its answer.
   */
  async deliver(
    clients: string[] | null,
    action: Omit<NotifyAction, 'id'>,
    waitMs: number,
  ): Promise<NotifyClientResult[]> {
    const { answers, missing, readAtDeadline } = await this.deps.requests.ask(
      { kind: 'notify-request', clients, action, waitMs },
      'notify-result',
      waitMs + this.margin(),
    );
    const results = [...answers.values()].flatMap((parts) => parts.flatMap((part) => part.results));
    if (missing.length > 0) {
      const reported = new Set(results.map((r) => r.clientId));
      const unanswered = this.heldBy(new Set(missing), clients).filter(({ clientId }) => !reported.has(clientId));
      for (const { clientId, channel } of unanswered) results.push({ clientId, outcome: 'timeout', via: channel });
      this.deps.logger.warn(
        { missing, partial: missing.filter((id) => answers.has(id)), timedOut: unanswered.length },
        'some management points did not finish answering a notification request in time; their clients not reported yet count as timed out',
      );
    }
    if (readAtDeadline.length > 0)
      this.deps.logger.warn(
        { readAtDeadline },
        'answers of some management points were read only at the deadline (this process is busy)',
      );
    return results;
  }

  /** The clients (of `clients`, or all) whose channel one of these MPs holds, as presence tells. */
  private heldBy(
    origins: ReadonlySet<string>,
    clients: readonly string[] | null,
  ): { clientId: string; channel: NotifyChannelKind }[] {
    const held: { clientId: string; channel: NotifyChannelKind }[] = [];
    const consider = (clientId: string, entry: RemoteChannel | undefined): void => {
      if (entry !== undefined && origins.has(entry.origin)) held.push({ clientId, channel: entry.channel });
    };
    if (clients === null) for (const [clientId, entry] of this.remote) consider(clientId, entry);
    else for (const clientId of clients) consider(clientId, this.remote.get(clientId));
    return held;
  }

  private margin(): number {
    return this.deps.answerMarginMs ?? 3000;
  }

  private received({ origin, at, event }: ReceivedEvent): void {
    switch (event.kind) {
      case 'notify-request': {
        const hub = this.deps.hub;
        const targets = event.clients === null ? hub.onlineClients() : event.clients.filter((id) => hub.isOnline(id));
        if (remoteChannel.hasSubscribers)
          remoteChannel.publish({ requestId: event.requestId, from: origin, clients: targets.length });
        const stream = new ResultStream(
          ({ results, more }) =>
            this.publish({
              kind: 'notify-result',
              requestId: event.requestId,
              to: origin,
              results,
              ...(more ? { more } : {}),
            }),
          this.deps.resultEveryMs ?? 500,
        );
        void hub
          .deliver(targets, event.action, answerWithin(event.waitMs, this.margin()), (result) => stream.add(result))
          .then((results) => stream.end(results));
        return;
      }
      case 'presence':
        if (event.snapshot) for (const [id, entry] of this.remote) if (entry.origin === origin) this.remote.delete(id);
        for (const id of event.offline) if (this.remote.get(id)?.origin === origin) this.remote.delete(id);
        for (const item of event.online) {
          const [id, channel] = item.split(' ') as [string, string];
          this.remote.set(id, { origin, channel: channel === 'tcp' ? 'tcp' : 'http-poll', at });
        }
        return;
      case 'presence-query':
        this.publishPresence(true);
        return;
      case 'notify-result':
      case 'ports-changed':
      case 'web-changed':
      case 'reachability-changed':
      case 'client-registered':
      case 'client-status-changed':
      case 'bind-check':
      case 'bind-answer':
      case 'certificate-request':
      case 'certificate-issued':
      case 'certificates-renew':
        // Answers come through BridgeRequests; the rest are site events (relaySiteEvents) or the certificate relay's.
        return;
    }
  }

  /** Publishes the clients this MP gained or lost since the last time (all of them for a snapshot). */
  private publishPresence(snapshot: boolean): void {
    // One pass over the hub and one over what was published, updating entries in place: with
    // nothing changed nothing is allocated (a new map of every client each round was promoted and
    // cost full collections of a heap holding thousands of TLS connections).
    const round = (this.round += 1);
    const online: string[] = [];
    this.deps.hub.forEachOnline((id, channel) => {
      const entry = this.published.get(id);
      if (entry === undefined) {
        this.published.set(id, { channel, round });
        online.push(`${id} ${channel}`);
        return;
      }
      if (snapshot || entry.channel !== channel) online.push(`${id} ${channel}`);
      entry.channel = channel;
      entry.round = round;
    });
    const offline: string[] = [];
    for (const [id, entry] of this.published) {
      if (entry.round === round) continue;
      this.published.delete(id);
      if (!snapshot) offline.push(id);
    }
    if (!snapshot && online.length === 0 && offline.length === 0) return;
    for (let i = 0; i === 0 || i < online.length; i += PRESENCE_BATCH) {
      this.publish({
        kind: 'presence',
        online: online.slice(i, i + PRESENCE_BATCH),
        offline: i === 0 ? offline : [],
        snapshot: snapshot && i === 0,
      });
    }
  }

  private publish(event: Parameters<EventBridge['publish']>[0]): void {
    this.deps.bridge
      .publish(event)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error), kind: event.kind },
          'could not publish a notification event',
        ),
      );
  }
}
