import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { requestRoute } from './request-routes.js';

/** What the metrics read from the process when scraped. */
export interface OpsMetricsSources {
  siteCode: string;
  /** `site` for the site server, `mp` for an additional management point process. */
  role: 'site' | 'mp';
  /** Clients online on this process's notification hub, by channel. */
  onlineClients: () => { tcp: number; 'http-poll': number };
  /** Rollouts of the site not yet finished, by state. */
  openRollouts: () => Promise<Record<string, number>>;
  /** The database connection pool (PostgreSQL), undefined on SQLite. */
  pool: () => { total: number; idle: number; waiting: number; max: number } | undefined;
  /** Client listeners of this process by state. */
  listeners: () => readonly { state: string }[];
}

/** Message of `siteport:notify:acknowledged`: a client acknowledged an action after `ms`. */
interface AcknowledgedEvent {
  via: string;
  ms: number;
}

/**
 * The Prometheus metrics of one siteport process (site server or additional MP), in a registry of
 * its own: Node's process metrics (CPU, memory, event-loop lag), client requests by route and
 * status code, clients online by notification channel, open rollouts by state, notification
 * acknowledgement latency, refused connections and the database pool.
 */
export class OpsMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'code'>;
  private readonly refused: Counter<'kind' | 'reason'>;
  private readonly ackLatency: Histogram<'via'>;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(sources: OpsMetricsSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ site: sources.siteCode, role: sources.role });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.requests = new Counter({
      name: 'siteport_mp_requests_total',
      help: 'Client requests answered on the MP listeners of this process, by route and HTTP status code.',
      labelNames: ['route', 'code'],
      registers,
    });
    this.refused = new Counter({
      name: 'siteport_connections_refused_total',
      help: 'Connections refused by a listener cap or a per-source cap (decision 0091).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.ackLatency = new Histogram({
      name: 'siteport_notify_ack_seconds',
      help: 'Time from sending a notification action until the client acknowledged it, by channel.',
      labelNames: ['via'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
      registers,
    });
    new Gauge({
      name: 'siteport_clients_online',
      help: 'Clients online on this process, by notification channel.',
      labelNames: ['channel'],
      registers,
      collect() {
        const online = sources.onlineClients();
        this.set({ channel: 'tcp' }, online.tcp);
        this.set({ channel: 'http-poll' }, online['http-poll']);
      },
    });
    new Gauge({
      name: 'siteport_rollouts_open',
      help: 'Rollouts of the site not yet finalized, rolled back or cancelled, by state.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const [state, count] of Object.entries(await sources.openRollouts())) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'siteport_mp_listeners',
      help: 'Client listeners of this process, by state (listening or failed).',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>([
          ['listening', 0],
          ['failed', 0],
        ]);
        for (const l of sources.listeners()) counts.set(l.state, (counts.get(l.state) ?? 0) + 1);
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'siteport_db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting requests, max); absent on SQLite.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const pool = sources.pool();
        if (pool === undefined) return;
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, pool[state]);
      },
    });
    this.subscribe('siteport:net:refused', (m) => {
      const { kind, reason } = m as { kind: string; reason: string };
      this.refused.inc({ kind, reason });
    });
    this.subscribe('siteport:notify:acknowledged', (m) => {
      const { via, ms } = m as AcknowledgedEvent;
      this.ackLatency.observe({ via }, ms / 1000);
    });
  }

  /** Counts a client request once its answer is sent (one listener per request). */
  readonly observe = (req: IncomingMessage, res: ServerResponse): void => {
    res.once('finish', () => this.requests.inc({ route: requestRoute(req.url), code: String(res.statusCode) }));
  };

  /** The metrics in Prometheus's text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening to the process's diagnostics channels. */
  close(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.registry.clear();
  }

  private subscribe(name: string, listener: (message: unknown) => void): void {
    diagnostics.subscribe(name, listener);
    this.unsubscribe.push(() => diagnostics.unsubscribe(name, listener));
  }
}
