// Over 300 lines: the agent's notification channel (TLS on the notification port, then the HTTP long-poll) is one state machine with its reconnect.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { type BackoffPolicy, backoffDelay, spreadLater } from '@siteport/backoff';
import {
  type NotifyAck,
  POLL_PATH,
  failedAck,
  type NotifyAction,
  PollResponse,
  SAFE_POLL_WAIT_SECONDS,
  SiteportError,
} from '@siteport/protocol';
import type { IdentityKey } from '../identity-key.js';
import type { MpResponse, MpTransport } from '../mp-transport.js';
import type { SessionKeeper } from '../session/session-keeper.js';
import { TcpChannel } from './tcp-channel.js';

/**
 * Lifecycle of the notification client: idle → connecting → tcp (channel up) ⇄ polling (HTTP(S)
 * long-poll fallback) → stopping → stopped. `connecting` is also where it waits between attempts.
 */
export type NotificationClientState = 'idle' | 'connecting' | 'tcp' | 'polling' | 'stopping' | 'stopped';

/** Options of {@link NotificationClient}; timings are overridable for tests. */
export interface NotificationClientOptions {
  /** Management point hosts, in order (the first one is used for TCP). */
  hosts: () => string[];
  clientId: () => string | null;
  siteCode: () => string;
  key: () => IdentityKey;
  caPem: () => string | undefined;
  /** A transport of its own (closing it aborts a poll in flight). */
  transport: MpTransport;
  /** The agent's client sessions, shared with its check-in cycle (decision 0062). */
  sessions: SessionKeeper;
  onAction: (action: NotifyAction) => Promise<void>;
  logger: Logger;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /**
   * How long one long-poll waits on the MP. Longer waits mean fewer polls (the MP's cost of the
   * fallback); a poll cut on the way by a proxy's idle timeout brings it down to 50 s. @default 110
   */
  pollWaitSeconds?: number;
  /** The wait polls fall back to after one was cut on the way (an idle timeout on the path). @default 50 */
  safePollWaitSeconds?: number;
  /** While on the long-poll, how often the TCP channel is tried again (at the end of the poll running then). @default 60000 */
  retryTcpMs?: number;
  /** Ceiling of the first reconnect delay; doubles up to `reconnectMaxMs`, with full jitter. @default 1000 */
  reconnectBaseMs?: number;
  /** @default 60000 */
  reconnectMaxMs?: number;
}

/** Message of `siteport:agent:notify`: the channel changed state, or an action arrived. */
export interface NotifyEvent {
  event: 'state' | 'action';
  state?: NotificationClientState;
  action?: string;
  via?: 'tcp' | 'http-poll';
}

const notifyChannel = diagnosticsChannel.channel('siteport:agent:notify');
/** Default wait of one long-poll (decision 0061): about twice the TCP keep-alive, under two minutes. */
export const DEFAULT_POLL_WAIT_SECONDS = 110;

/**
 * Keeps the agent reachable by its site: one TLS connection to the MP's notification
 * port; when that port is unreachable, long-polls over the request ports (through MpTransport,
 * with its default → alternate fallback and the client session's MAC) and tries TCP again at the end
 * of the first poll after `retryTcpMs`.
 * Both paths deliver the same actions and acknowledge them the same way.
 */
export class NotificationClient {
  private current: NotificationClientState = 'idle';
  private port: number | null = null;
  private channel: TcpChannel | undefined;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly pendingAcks: NotifyAck[] = [];
  private inFlight = 0;
  private channelPort: number | null = null;
  private channelHost: string | null = null;
  private portChanged = false;
  /** How long polls wait now: the configured wait, or the safe one after a poll was cut on the way. */
  private pollWait: number;
  /** Delays between connection attempts. */
  private readonly retryBackoff: BackoffPolicy;
  private readonly o: Required<
    Omit<
      NotificationClientOptions,
      'hosts' | 'clientId' | 'siteCode' | 'key' | 'caPem' | 'transport' | 'sessions' | 'onAction' | 'logger'
    >
  >;

  constructor(private readonly options: NotificationClientOptions) {
    this.o = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      pollWaitSeconds: options.pollWaitSeconds ?? DEFAULT_POLL_WAIT_SECONDS,
      safePollWaitSeconds: options.safePollWaitSeconds ?? SAFE_POLL_WAIT_SECONDS,
      retryTcpMs: options.retryTcpMs ?? 60_000,
      reconnectBaseMs: options.reconnectBaseMs ?? 1000,
      reconnectMaxMs: options.reconnectMaxMs ?? 60_000,
    };
    this.pollWait = this.o.pollWaitSeconds;
    this.retryBackoff = { baseMs: this.o.reconnectBaseMs, capMs: this.o.reconnectMaxMs };
  }

  get state(): NotificationClientState {
    return this.current;
  }

  /** The port of the live TCP channel, or null when there is none. */
  get connectedPort(): number | null {
    return this.current === 'tcp' ? this.channelPort : null;
  }

  /** The MP host of the live TCP channel, or null when there is none. */
  get connectedHost(): string | null {
    return this.current === 'tcp' ? this.channelHost : null;
  }

  /** How long long-polls wait now (the configured wait, or the safe one after a poll was cut). */
  get pollWaitSeconds(): number {
    return this.pollWait;
  }

  /** The notification port in use (from policy or the MP's last poll answer). */
  get notificationPort(): number | null {
    return this.port;
  }

  /** Sets the notification port; a change drops the current connection so the new port is used. */
  setPort(port: number): void {
    if (port === this.port) return;
    this.port = port;
    // An action in flight (often the very policy download that brought the port) is acked first.
    if (this.inFlight > 0) this.portChanged = true;
    else this.reconnect();
  }

  private reconnect(): void {
    this.channel?.close('the notification port changed');
    this.wakeUp?.();
  }

  start(): void {
    if (this.current !== 'idle') return;
    this.setState('connecting');
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    if (this.current === 'stopped' || this.current === 'idle') {
      this.current = 'stopped';
      return;
    }
    this.setState('stopping');
    this.channel?.close('the agent is stopping');
    this.options.transport.close();
    this.wakeUp?.();
    await this.loopDone;
    this.setState('stopped');
  }

  private get stopping(): boolean {
    return this.current === 'stopping' || this.current === 'stopped';
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (await this.runTcp()) {
        failures = 0;
        if (!this.stopping) await this.sleep(backoffDelay(0, this.retryBackoff));
        continue;
      }
      if (this.stopping) return;
      // TCP failed: long-poll, and try TCP again at the first poll boundary after retryTcpMs.
      // Polls always wait their full length: cutting one short to meet the retry time would
      // double the polls (and the MP's cost) of a client whose notification port stays blocked.
      const until = Date.now() + this.o.retryTcpMs;
      while (!this.stopping && Date.now() < until) {
        try {
          this.setState('polling');
          await this.pollOnce();
          failures = 0;
        } catch (error) {
          if (this.stopping) return;
          failures += 1;
          // A rate-limited session opening (decision 0095) is retried no sooner than the MP asked, with up to a fifth more at random.
          const retryAfter =
            error instanceof SiteportError && error.code === 'E_RATE_LIMITED'
              ? Number(error.details?.retryAfterSeconds ?? 0)
              : 0;
          const delay = Math.max(
            backoffDelay(failures - 1, this.retryBackoff),
            spreadLater(Math.min(retryAfter, 3600) * 1000, 0.2),
          );
          this.options.logger.warn(
            { err: error instanceof Error ? error.message : String(error), retryInMs: delay },
            'notification long-poll failed',
          );
          this.setState('connecting');
          await this.sleep(delay);
          break;
        }
      }
    }
  }

  /**
   * One TCP connection from connect to close, to the first MP host that accepts it (a site with
   * several MPs: a dead one is skipped); false when none became ready.
   */
  private async runTcp(): Promise<boolean> {
    const clientId = this.options.clientId();
    const ca = this.options.caPem();
    if (clientId === null || ca === undefined || this.port === null) return false;
    for (const host of new Set(this.options.hosts())) {
      if (this.stopping) return false;
      const channel = await this.openTcp(host, clientId, ca);
      if (channel === undefined) continue;
      this.options.logger.info({ host, port: this.port }, 'notification channel connected');
      const reason = await channel.closed;
      this.channel = undefined;
      if (!this.stopping) this.options.logger.info({ reason }, 'notification channel closed; reconnecting');
      return true;
    }
    return false;
  }

  private async openTcp(host: string, clientId: string, ca: string): Promise<TcpChannel | undefined> {
    this.setState('connecting');
    const port = this.port ?? 0;
    const channel = new TcpChannel({
      host,
      port,
      caPem: ca,
      clientId,
      siteCode: this.options.siteCode(),
      key: this.options.key(),
      connectTimeoutMs: this.o.connectTimeoutMs,
      onAction: (action) => this.handle(action, 'tcp'),
      onReady: () => {
        this.channelPort = port;
        this.channelHost = host;
        this.setState('tcp');
      },
    });
    this.channel = channel;
    try {
      await channel.opened;
      return channel;
    } catch (error) {
      this.channel = undefined;
      this.options.logger.info(
        { host, port, reason: error instanceof Error ? error.message : String(error) },
        'notification port unreachable on this MP',
      );
      return undefined;
    }
  }

  private async pollOnce(): Promise<void> {
    const clientId = this.options.clientId();
    if (clientId === null) throw new SiteportError('E_INTERNAL', 'not registered yet');
    const acks = this.pendingAcks.splice(0, 64);
    const started = Date.now();
    let response;
    try {
      response = await this.authenticatedPoll(clientId, acks);
    } catch (error) {
      this.pendingAcks.unshift(...acks);
      this.noticeCutPoll(error, Date.now() - started);
      throw error;
    }
    if (!Value.Check(PollResponse, response.body))
      throw new SiteportError('E_PROTOCOL', 'the long-poll answer is not siteport protocol');
    const answer = response.body;
    if (answer.notificationPort !== this.port) this.port = answer.notificationPort;
    for (const action of answer.actions) {
      try {
        await this.handle(action, 'http-poll');
        this.pendingAcks.push({ id: action.id, ok: true });
      } catch (error) {
        this.pendingAcks.push(failedAck(action.id, error));
      }
    }
  }

  /**
   * Sends one poll authenticated by the client session's MAC (decisions 0060, 0062), through the
   * agent's session keeper: it opens a session first when there is none and replaces, once, a
   * session the MP no longer holds. Against an MP without sessions the poll is signed, and waits
   * no longer than the safe wait (such an MP predates longer waits).
   */
  private authenticatedPoll(clientId: string, acks: NotifyAck[]): Promise<MpResponse> {
    return this.options.sessions.request(
      this.options.transport,
      { clientId, privateKey: this.options.key().privateKey },
      (sessionsOffered) => {
        const waitSeconds = sessionsOffered ? this.pollWait : Math.min(this.pollWait, this.o.safePollWaitSeconds);
        return { method: 'POST', path: POLL_PATH, body: { waitSeconds, acks }, timeoutMs: waitSeconds * 1000 + 10_000 };
      },
      { poll: true },
    );
  }

  /**
   * A long-poll that failed on the way after waiting longer than the safe wait was most likely
   * cut by a proxy or firewall that closes idle connections (commonly after 60 s): from then on
   * polls wait the safe 50 s (decision 0061). An action sent meanwhile is not lost; the MP keeps
   * it for the next poll.
   */
  private noticeCutPoll(error: unknown, waitedMs: number): void {
    const safe = this.o.safePollWaitSeconds;
    if (this.pollWait <= safe || waitedMs < safe * 1000) return;
    if (!(error instanceof SiteportError && error.code === 'E_MP_UNREACHABLE')) return;
    this.options.logger.warn(
      { waitedSeconds: Math.round(waitedMs / 1000), pollWaitSeconds: this.pollWait },
      `a long-poll was cut after ${Math.round(waitedMs / 1000)} s; polling with ${safe} s waits from now on`,
    );
    this.pollWait = safe;
  }

  private handle(action: NotifyAction, via: 'tcp' | 'http-poll'): Promise<void> {
    this.options.logger.info({ action: action.action, via }, 'notification action');
    if (notifyChannel.hasSubscribers)
      notifyChannel.publish({ event: 'action', action: action.action, via } satisfies NotifyEvent);
    this.inFlight += 1;
    return this.options.onAction(action).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.portChanged) {
        this.portChanged = false;
        // After the ack is written (it follows this promise's settlement in the same turn).
        setImmediate(() => this.reconnect());
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private setState(next: NotificationClientState): void {
    if (this.current === next) return;
    this.current = next;
    if (notifyChannel.hasSubscribers) notifyChannel.publish({ event: 'state', state: next } satisfies NotifyEvent);
  }
}
