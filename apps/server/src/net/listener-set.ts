import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { bindError } from '../os/index.js';
import { type ListenerLimits, applyHttpLimits, httpServerOptions } from './listener-limits.js';
import { WildcardFallback } from './wildcard-fallback.js';

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
  /** The address it listens on (or failed to): `::` is IPv6 and IPv4 together (dual stack), `0.0.0.0` IPv4 only. */
  address?: string;
  error?: string;
}

interface Entry {
  /** The `--bind` address this listener is for. */
  host: string;
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
const key = (host: string, spec: EndpointSpec): string => `${host}|${spec.protocol}:${spec.port}:${spec.mode}`;

/**
 * The HTTP and HTTPS listeners of a management point, one per endpoint on each bind address.
 * `reconcile` closes what is no longer wanted (letting requests in flight finish) and opens what is
 * new, so ports change while running.
 */
export class ListenerSet {
  private readonly entries = new Map<string, Entry>();
  private tls: { cert: string; key: string };
  private readonly fallback: WildcardFallback;

  constructor(
    private readonly options: {
      /** The addresses to listen on: the wildcard `::` or `0.0.0.0` alone, or specific addresses. */
      hosts: readonly string[];
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
    this.fallback = new WildcardFallback(options.logger, 'client requests');
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

  /** Whether this set listens on a TCP port on `host` now (any protocol). */
  holds(port: number, host: string): boolean {
    for (const entry of this.entries.values())
      if (entry.host === host && entry.spec.port === port && entry.state === 'listening') return true;
    return false;
  }

  status(): ListenerStatus[] {
    return [...this.entries.values()].map((e) => ({
      protocol: e.spec.protocol,
      port: e.spec.port,
      mode: e.spec.mode,
      state: e.state,
      // A failed listener shows the address it was for; an open one where it listens (0.0.0.0 after a fallback).
      ...(e.state === 'listening' ? listeningAddress(e.server) : { address: e.host }),
      ...(e.error === undefined ? {} : { error: e.error }),
    }));
  }

  /**
   * Makes the open listeners match `wanted`. Returns the errors of listeners that failed to open;
   * they stay in the set as 'failed' and are retried by the next reconcile.
   */
  async reconcile(wanted: readonly EndpointSpec[]): Promise<Error[]> {
    const hosts = this.options.hosts;
    const wantedKeys = new Set(wanted.flatMap((spec) => hosts.map((host) => key(host, spec))));
    const closing = [...this.entries.entries()].filter(([k]) => !wantedKeys.has(k));
    for (const [k] of closing) this.entries.delete(k);
    await Promise.all(closing.map(([, entry]) => this.close(entry)));
    const errors: Error[] = [];
    for (const spec of wanted) {
      for (const host of hosts) {
        const error = await this.openEntry(host, spec);
        if (error !== undefined) errors.push(error);
      }
    }
    return errors;
  }

  /** Opens the listener of `spec` on `host` unless it is open; returns why it failed. */
  private async openEntry(host: string, spec: EndpointSpec): Promise<Error | undefined> {
    const k = key(host, spec);
    if (this.entries.get(k)?.state === 'listening') return undefined;
    const entry: Entry = { host, spec, server: undefined, state: 'failed' };
    this.entries.set(k, entry);
    const where = { protocol: spec.protocol, port: spec.port, address: host };
    try {
      // On the dual-stack wildcard of a host without IPv6 this listens on 0.0.0.0 (logged once).
      entry.server = await this.fallback.listen(host, (on) => this.openOn(spec, on));
      entry.state = 'listening';
      delete entry.error;
      listenerChannel.publish({ event: 'open', ...where });
      this.options.logger.info(where, 'listening for client requests');
      return undefined;
    } catch (error) {
      // With several addresses the reason names the one that failed.
      const family =
        this.options.hosts.length > 1 ? ({ family: net.isIPv6(host) ? 6 : 4, address: host } as const) : undefined;
      const reason = await bindError(error, spec.port, spec.item, family);
      entry.error = reason.message;
      this.options.logger.error({ ...where, err: reason.message }, 'cannot listen');
      return reason;
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
    const where = { protocol: entry.spec.protocol, port: entry.spec.port, address: entry.host };
    listenerChannel.publish({ event: 'close', ...where });
    this.options.logger.info(where, 'stopped listening');
  }

  /** Closes every listener, waiting for requests in flight up to the grace period. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => this.close(entry)));
  }
}
