import type http from 'node:http';
import type { Logger } from 'pino';
import { MAX_POLL_WAIT_SECONDS } from '@siteport/protocol';
import { ConnectionBudget, ConnectionGate } from './connection-gate.js';

/**
 * How long a connection may take for each step, and how many connections each kind of listener
 * holds (decision 0091). The caps keep descriptors free under the process's open-file limit for
 * the database, the files and the admin listener, so a flood of connections cannot starve them.
 */
export interface ConnectionOptions {
  /** `--tls-handshake-timeout`: a TLS connection (HTTPS request ports, notification port, HTTPS admin) must finish its handshake within this. @default 10000 ms */
  readonly handshakeTimeoutMs: number;
  /** `--headers-timeout`: an HTTP request's headers must be complete this long after the connection or the request began. @default 10000 ms */
  readonly headersTimeoutMs: number;
  /** `--request-timeout`: a whole HTTP request (headers and body) must arrive within this. @default 30000 ms */
  readonly requestTimeoutMs: number;
  /** `--keep-alive-timeout`: an idle connection between two HTTP requests is closed after this. @default 65000 ms */
  readonly keepAliveTimeoutMs: number;
  /**
   * `--max-client-connections`: connections open at once on the MP's request ports and notification
   * port together (one notification connection per client, plus requests and long-polls).
   * @default the open-file limit − {@link maxAdminConnections} − {@link RESERVED_DESCRIPTORS} (19,360 at 20,000)
   */
  readonly maxClientConnections: number;
  /**
   * `--max-connections-per-source`: connections one source address (IPv6: one /64) holds on the
   * request ports, and again on the notification port. @default 1000, or a quarter of {@link maxClientConnections} when that is less
   */
  readonly maxConnectionsPerSource: number;
  /** `--max-admin-connections`: connections the admin listener holds, its own reserve beside the client cap. @default 128 */
  readonly maxAdminConnections: number;
  /** Connections one source address holds on the admin listener: half of {@link maxAdminConnections}. */
  readonly maxAdminConnectionsPerSource: number;
}

/** What a listener applies to every connection it accepts (decision 0091). */
export interface ListenerLimits {
  /** Counts connections per source and against the kind's cap; refuses the excess. */
  gate: ConnectionGate;
  /** A TLS handshake must finish within this. */
  handshakeTimeoutMs: number;
  /** HTTP only: the request headers must be complete within this. */
  headersTimeoutMs: number;
  /** HTTP only: the whole request must arrive within this. */
  requestTimeoutMs: number;
  /** HTTP only: an idle connection between requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** HTTP only: a connection with a request open and no byte either way for this long is closed; 0 for none. */
  idleTimeoutMs: number;
}

/**
 * `http(s).createServer` options for these limits. Node checks the header and request deadlines
 * on a timer, every 30 s unless told; a quarter of the header timeout cuts a stalled connection
 * soon after its deadline.
 */
export function httpServerOptions(limits: ListenerLimits): http.ServerOptions & { handshakeTimeout: number } {
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(250, Math.min(Math.floor(limits.headersTimeoutMs / 4), 5000)),
  };
}

/** Applies the limits a server takes after creation: idle timeout and the connection gate. */
export function applyHttpLimits(server: http.Server, limits: ListenerLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  limits.gate.attach(server);
}

/** Request-port idle timeout: longer than the longest long-poll wait, during which a connection is silent. */
const REQUEST_IDLE_TIMEOUT_MS = (MAX_POLL_WAIT_SECONDS + 30) * 1000;

/**
 * The limits of an MP's client listeners: request ports and notification port draw on one budget
 * of `maxClientConnections`, each with its own per-source count.
 */
export function clientListenerLimits(
  options: ConnectionOptions,
  logger: Pick<Logger, 'warn'>,
): { request: ListenerLimits; notification: ListenerLimits } {
  const budget = new ConnectionBudget(options.maxClientConnections);
  const timeouts = {
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
  };
  return {
    request: {
      ...timeouts,
      idleTimeoutMs: REQUEST_IDLE_TIMEOUT_MS,
      gate: new ConnectionGate('request', budget, options.maxConnectionsPerSource, logger),
    },
    notification: {
      ...timeouts,
      idleTimeoutMs: 0,
      gate: new ConnectionGate('notification', budget, options.maxConnectionsPerSource, logger),
    },
  };
}

/** The limits of the admin listener: a budget of its own, so a flood of client connections leaves it reachable. */
export function adminListenerLimits(options: ConnectionOptions, logger: Pick<Logger, 'warn'>): ListenerLimits {
  return {
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    // Admin requests may wait long (a push to many clients, a secondary's sync poll): no idle cut.
    idleTimeoutMs: 0,
    gate: new ConnectionGate(
      'admin',
      new ConnectionBudget(options.maxAdminConnections),
      options.maxAdminConnectionsPerSource,
      logger,
    ),
  };
}
