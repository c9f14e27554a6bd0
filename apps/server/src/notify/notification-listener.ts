import diagnostics from 'node:diagnostics_channel';
import { type AddressInfo, type Socket, isIPv6 } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { type ListenerLimits, WildcardFallback } from '../net/index.js';
import { bindError } from '../os/index.js';
import type { SiteEvents } from '../site/index.js';
import { type SessionContext, type SessionCounters, NotifySession } from './notify-session.js';

/** Lifecycle of the notification listener. idle → starting → running → stopping → stopped. */
export type NotificationListenerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const RETRY_MS = 10_000;

/**
 * How the notification channel finds dead connections. `ping`: agents send a ping frame every
 * keep-alive interval and a session silent for three intervals is dropped (one sweep timer).
 * `tcp`: the kernel's TCP keep-alive probes each idle connection after the keep-alive interval
 * (`setKeepAlive`), agents that say so in `ready` stop pinging, and no timer runs for idle sessions;
 * the trade-offs are in decision 0108.
 */
export type NotifyLiveness = 'ping' | 'tcp';
const listenerChannel = diagnostics.channel('siteport:notify:listener');

/** Options of {@link NotificationListener}. */
export interface NotificationListenerDeps extends Omit<
  SessionContext,
  'onClose' | 'logger' | 'counters' | 'tcpKeepAlive'
> {
  /** @default 'ping' */
  liveness?: NotifyLiveness;
  /** The `--bind` address, or several: each port is held on every one. */
  bindHost: string | readonly string[];
  /** Replaced by {@link NotificationListener.setTls}. */
  tls: { cert: string; key: string };
  /** Ports to hold, current first: the site's notification port, plus the other side of an open rollout. */
  wantedPorts: () => Promise<number[]>;
  events: SiteEvents;
  logger: Logger;
  /** TLS handshake timeout and the connection gate of the notification port (decision 0091). */
  connectionLimits: Pick<ListenerLimits, 'gate' | 'handshakeTimeoutMs'>;
}

interface Bound {
  port: number;
  /** One server per bind address. */
  servers: tls.Server[];
  sessions: Set<NotifySession>;
}

/**
 * The management point's TLS listener on the site's notification port (TCP 10123 by
 * default). It follows port changes like the request listeners: while a rollout moves the port,
 * old and new ports are both held; when the old one is no longer wanted it closes and its sessions
 * end, so their agents reconnect on the port they learn from policy or from a long-poll answer. With `ping`
 * liveness, silent sessions (no frame for three keep-alive intervals) are dropped by one sweep timer,
 * not a timer per connection; with `tcp` liveness the kernel's keep-alive closes dead ones.
 */
export class NotificationListener {
  private stateValue: NotificationListenerState = 'idle';
  private readonly bound = new Map<number, Bound>();
  private current: number | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private lastError: string | null = null;
  private unsettle: (() => void) | undefined;
  private readonly counters: SessionCounters = { notReading: 0, flooding: 0 };
  private readonly hosts: readonly string[];
  private readonly fallback: WildcardFallback;

  constructor(private readonly deps: NotificationListenerDeps) {
    this.hosts = typeof deps.bindHost === 'string' ? [deps.bindHost] : deps.bindHost;
    this.fallback = new WildcardFallback(deps.logger, 'notification');
  }

  get state(): NotificationListenerState {
    return this.stateValue;
  }

  private get liveness(): NotifyLiveness {
    return this.deps.liveness ?? 'ping';
  }

  /** Serves a new certificate: new connections get it, open sessions go on (decision 0101). */
  setTls(tls: { cert: string; key: string }): void {
    this.deps.tls = tls;
    for (const bound of this.bound.values()) for (const server of bound.servers) server.setSecureContext(tls);
  }

  /** The site's current notification port when it is held, or null. */
  get port(): number | null {
    return this.current !== null && this.bound.has(this.current) ? this.current : null;
  }

  /** Every port held now (current and overlapping). */
  get ports(): number[] {
    return [...this.bound.keys()];
  }

  /** Why the wanted port could not be opened, or null. */
  get error(): string | null {
    return this.lastError;
  }

  /** Opens the site's notification port; a bind failure at start is fatal, with its reason. */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`notification listener cannot start from ${this.stateValue}`);
    this.stateValue = 'starting';
    const [current, ...others] = await this.deps.wantedPorts();
    if (current === undefined) throw new Error('the site has no notification port');
    this.current = current;
    this.bound.set(current, await this.open(current));
    this.stateValue = 'running';
    if (others.length > 0) await this.reconcileNow();
    this.unsettle = this.deps.events.settlePortsChange((siteCode) =>
      siteCode === this.deps.siteCode ? this.reconcile() : Promise.resolve(),
    );
    if (this.liveness === 'tcp') return;
    const every = Math.max(1000, Math.min(this.deps.keepAliveSeconds * 1000, 30_000));
    this.sweep = setInterval(() => this.dropSilent(), every);
    this.sweep.unref();
  }

  /** Holds exactly the wanted ports: opens new ones first, then closes the others; serialised, retried on failure. */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.reconcileNow());
    return this.reconciling;
  }

  private async reconcileNow(): Promise<void> {
    if (this.stateValue !== 'running') return;
    clearTimeout(this.retry);
    let wanted: number[];
    try {
      wanted = await this.deps.wantedPorts();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'cannot read the notification ports; retrying');
      this.scheduleRetry();
      return;
    }
    this.current = wanted[0] ?? null;
    let failed = false;
    for (const port of wanted) {
      if (this.bound.has(port)) continue;
      try {
        this.bound.set(port, await this.open(port));
      } catch (error) {
        failed = true;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.deps.logger.error(
          { err: this.lastError, port },
          'cannot open a notification port; keeping the others and retrying',
        );
      }
    }
    if (failed) this.scheduleRetry();
    const keep = new Set(wanted);
    for (const [port, bound] of [...this.bound.entries()]) {
      if (keep.has(port)) continue;
      this.bound.delete(port);
      await this.closeBound(bound);
    }
  }

  private scheduleRetry(): void {
    this.retry = setTimeout(() => void this.reconcile(), RETRY_MS);
    this.retry.unref();
  }

  /** Holds `port` on every bind address; when one fails, the others opened for it are closed again. */
  private async open(port: number): Promise<Bound> {
    const bound: Bound = { port, servers: [], sessions: new Set() };
    try {
      for (const host of this.hosts) bound.servers.push(await this.openOn(host, port, bound.sessions));
    } catch (error) {
      await Promise.all(bound.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      throw error;
    }
    this.lastError = null;
    if (listenerChannel.hasSubscribers) listenerChannel.publish({ event: 'open', port });
    this.deps.logger.info(
      { port, addresses: bound.servers.map((server) => (server.address() as AddressInfo).address) },
      'listening for client notification connections',
    );
    return bound;
  }

  private async openOn(host: string, port: number, sessions: Set<NotifySession>): Promise<tls.Server> {
    const context: SessionContext = {
      siteCode: this.deps.siteCode,
      hub: this.deps.hub,
      clients: this.deps.clients,
      keepAliveSeconds: this.deps.keepAliveSeconds,
      tcpKeepAlive: this.liveness === 'tcp',
      authTimeoutMs: this.deps.authTimeoutMs,
      logger: this.deps.logger,
      onClose: (session) => sessions.delete(session),
      counters: this.counters,
      ...(this.deps.limits === undefined ? {} : { limits: this.deps.limits }),
    };
    const server = tls.createServer(
      { ...this.deps.tls, handshakeTimeout: this.deps.connectionLimits.handshakeTimeoutMs },
      (socket) => {
        sessions.add(new NotifySession(socket, context));
      },
    );
    this.deps.connectionLimits.gate.attach(server);
    if (this.liveness === 'tcp') {
      const delayMs = this.deps.keepAliveSeconds * 1000;
      // On the plain socket, before TLS: the kernel probes the peer after this much silence and
      // closes the connection when it stops answering, with no timer in this process.
      server.on('connection', (socket: Socket) => socket.setKeepAlive(true, delayMs));
    }
    // A plain TLS server leaves a failed or timed-out handshake's socket open; only https.Server destroys it.
    server.on('tlsClientError', (error, socket) => {
      socket.destroy();
      this.deps.logger.debug({ err: error.message }, 'notification TLS handshake failed');
    });
    const listen = (on: string): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: on, port, exclusive: true }, () => {
          server.off('error', reject);
          server.on('error', (error) => this.deps.logger.error({ err: error, port }, 'notification listener error'));
          resolve();
        });
      });
    // On the dual-stack wildcard of a host without IPv6 this listens on 0.0.0.0 (logged once).
    await this.fallback.listen(host, listen).catch(async (error: unknown) => {
      // With several addresses the reason names the one that failed.
      const family = this.hosts.length > 1 ? ({ family: isIPv6(host) ? 6 : 4, address: host } as const) : undefined;
      throw await bindError(error, port, 'notification', family);
    });
    return server;
  }

  private async closeBound(bound: Bound): Promise<void> {
    const closed = Promise.all(
      bound.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    for (const session of bound.sessions) session.close('the notification port is closing');
    const force = setTimeout(() => {
      for (const session of bound.sessions) session.close('forced');
    }, 2000);
    force.unref();
    await closed;
    clearTimeout(force);
    if (listenerChannel.hasSubscribers) listenerChannel.publish({ event: 'close', port: bound.port });
    this.deps.logger.info({ port: bound.port }, 'stopped listening for notification connections');
  }

  private dropSilent(): void {
    const limit = Date.now() - 3 * this.deps.keepAliveSeconds * 1000;
    for (const bound of this.bound.values()) {
      for (const session of bound.sessions)
        if (session.lastFrame < limit) session.close('silent for three keep-alive intervals');
    }
  }

  /** Bytes written to every session and not yet handed to the kernel (each bounded by the session limits). */
  pendingOutputBytes(): number {
    let n = 0;
    for (const bound of this.bound.values()) for (const session of bound.sessions) n += session.pendingBytes;
    return n;
  }

  /** Sessions dropped since start: for leaving their output unread, for sending frames too fast. */
  dropped(): Readonly<SessionCounters> {
    return { ...this.counters };
  }

  /** Number of open connections (authenticated or not). */
  connectionCount(): number {
    let n = 0;
    for (const bound of this.bound.values()) n += bound.sessions.size;
    return n;
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') return;
    this.stateValue = 'stopping';
    this.unsettle?.();
    clearTimeout(this.retry);
    clearInterval(this.sweep);
    await this.reconciling;
    const all = [...this.bound.values()];
    this.bound.clear();
    await Promise.all(all.map((b) => this.closeBound(b)));
    this.stateValue = 'stopped';
  }
}
