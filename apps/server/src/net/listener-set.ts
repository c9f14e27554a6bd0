import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import diagnostics from 'node:diagnostics_channel';
import { bindError } from '../os/index.js';
import { type ListenerLimits, applyHttpLimits, httpServerOptions } from './listener-limits.js';

export type Protocol = 'http' | 'https';
type ListenerState = 'listening' | 'failed';

/** A request handler that also learns which listener the request came in on. */
export type EndpointHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  protocol: Protocol,
  port: number,
  mode: ListenerMode,
) => void;

/** `serve`: client requests; `probe`: a pre-flight listener that only answers GET /mp/v1/probe. */
export type ListenerMode = 'serve' | 'probe';

/** One listener the set should hold. */
export interface EndpointSpec {
  protocol: Protocol;
  port: number;
  /** Item name used in errors ("http", "https-alternate", "old http"). */
  item: string;
  mode: ListenerMode;
}

export interface ListenerStatus {
  protocol: Protocol;
  port: number;
  mode: ListenerMode;
  state: ListenerState;
  /** The address it listens on: `::` is IPv6 and IPv4 together (dual stack), `0.0.0.0` IPv4 only. */
  address?: string;
  error?: string;
}

interface Entry {
  spec: EndpointSpec;
  server: http.Server | https.Server | undefined;
  state: ListenerState;
  error?: string;
}

const listenerChannel = diagnostics.channel('siteport:mp:listener');

function listeningAddress(server: http.Server | undefined): { address?: string } {
  const bound = server?.address();
  return typeof bound === 'object' && bound !== null ? { address: bound.address } : {};
}
const key = (spec: EndpointSpec): string => `${spec.protocol}:${spec.port}:${spec.mode}`;

/**
 * The HTTP and HTTPS listeners of a management point. `reconcile` closes what is no longer wanted
 * (letting requests in flight finish) and opens what is new, so ports change while running.
 */
export class ListenerSet {
  private readonly entries = new Map<string, Entry>();
  private tls: { cert: string; key: string };

  constructor(
    private readonly options: {
      host: string;
      tls: { cert: string; key: string };
      handler: EndpointHandler;
      logger: Logger;
      /** Timeouts and connection caps; one gate counts every listener of the set together (decision 0091). */
      limits: ListenerLimits;
      /** How long closing listeners wait for requests in flight. @default 5000 */
      closeGraceMs?: number;
    },
  ) {
    this.tls = options.tls;
  }

  /**
   * Serves `tls` from now on: every open HTTPS listener gets it for new connections
   * (`setSecureContext`), connections already open go on with theirs; listeners opened later use it.
   */
  setTls(tls: { cert: string; key: string }): void {
    this.tls = tls;
    for (const entry of this.entries.values()) {
      if (entry.spec.protocol === 'https' && entry.server instanceof https.Server) entry.server.setSecureContext(tls);
    }
  }

  /** Whether this set listens on a TCP port now (any protocol). */
  holds(port: number): boolean {
    for (const entry of this.entries.values()) if (entry.spec.port === port && entry.state === 'listening') return true;
    return false;
  }

  status(): ListenerStatus[] {
    return [...this.entries.values()].map((e) => ({
      protocol: e.spec.protocol,
      port: e.spec.port,
      mode: e.spec.mode,
      state: e.state,
      ...(e.state === 'listening' ? listeningAddress(e.server) : {}),
      ...(e.error === undefined ? {} : { error: e.error }),
    }));
  }

  /**
   * Makes the open listeners match `wanted`. Returns the errors of listeners that failed to open;
   * they stay in the set as 'failed' and are retried by the next reconcile.
   */
  async reconcile(wanted: readonly EndpointSpec[]): Promise<Error[]> {
    const wantedKeys = new Set(wanted.map(key));
    const closing = [...this.entries.entries()].filter(([k]) => !wantedKeys.has(k));
    for (const [k] of closing) this.entries.delete(k);
    await Promise.all(closing.map(([, entry]) => this.close(entry)));
    const errors: Error[] = [];
    for (const spec of wanted) {
      const existing = this.entries.get(key(spec));
      if (existing?.state === 'listening') continue;
      const entry: Entry = { spec, server: undefined, state: 'failed' };
      this.entries.set(key(spec), entry);
      try {
        entry.server = await this.open(spec);
        entry.state = 'listening';
        delete entry.error;
        listenerChannel.publish({ event: 'open', protocol: spec.protocol, port: spec.port });
        this.options.logger.info({ protocol: spec.protocol, port: spec.port }, 'listening for client requests');
      } catch (error) {
        const reason = await bindError(error, spec.port, spec.item);
        entry.error = reason.message;
        errors.push(reason);
        this.options.logger.error({ protocol: spec.protocol, port: spec.port, err: reason.message }, 'cannot listen');
      }
    }
    return errors;
  }

  /**
   * Opens one listener. On the dual-stack wildcard `::` of a host without IPv6 (the kernel refuses
   * the family) it listens on IPv4's `0.0.0.0` instead.
   */
  private async open(spec: EndpointSpec): Promise<http.Server> {
    try {
      return await this.openOn(spec, this.options.host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (this.options.host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw error;
      this.options.logger.warn({ port: spec.port }, 'this host has no IPv6: listening on IPv4 only');
      return this.openOn(spec, '0.0.0.0');
    }
  }

  private openOn(spec: EndpointSpec, host: string): Promise<http.Server> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void =>
      this.options.handler(req, res, spec.protocol, spec.port, spec.mode);
    const limits = httpServerOptions(this.options.limits);
    const server =
      spec.protocol === 'https'
        ? https.createServer({ ...this.tls, ...limits }, handler)
        : http.createServer(limits, handler);
    applyHttpLimits(server, this.options.limits);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: spec.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.options.logger.error({ err: error, port: spec.port }, 'listener error'));
        resolve(server);
      });
    });
  }

  private async close(entry: Entry): Promise<void> {
    const server = entry.server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), this.options.closeGraceMs ?? 5000);
    await closed;
    clearTimeout(grace);
    listenerChannel.publish({ event: 'close', protocol: entry.spec.protocol, port: entry.spec.port });
    this.options.logger.info({ protocol: entry.spec.protocol, port: entry.spec.port }, 'stopped listening');
  }

  /** Closes every listener, waiting for requests in flight up to the grace period. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => this.close(entry)));
  }
}
