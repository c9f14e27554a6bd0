import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { ClientConfig } from '../client-config.js';
import type { MpEndpoint } from '../endpoint-list.js';
import { transportFailure } from '../transport-failure.js';
import { EndpointOrder, type Route } from './endpoint-order.js';
import { CONNECT_SIGNAL, EyeballsHttpAgent, EyeballsHttpsAgent, type OnConnected } from './eyeballs-agent.js';
import { type Exchanged, exchange } from './http-exchange.js';

/** Options of {@link MpConnector}. */
export interface MpConnectorOptions {
  config: () => ClientConfig;
  /** The pinned site CA (PEM), or undefined before the first registration. */
  caPem: () => string | undefined;
  /** What HTTPS is verified with. @default caPem */
  tlsCa?: () => string | undefined;
  /** How long a non-first endpoint stays sticky before the list is tried from the top again. */
  retryDefaultAfterMs: number;
  logger: Logger;
  now: () => number;
}

/** One HTTP exchange with one endpoint. */
export interface Send {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Accept any server certificate (only for the site CA before it is pinned). */
  insecureTls: boolean;
  timeoutMs: number;
}

/**
 * How the agent reaches a management point: which endpoints a request tries in which order (the
 * direct ones, the sticky choice, then the site's gateway) and the connections to them, whose
 * addresses race IPv6 against IPv4 (Happy Eyeballs, decision 0112). A request that times out or
 * is closed abandons its connection even while it is still being raced.
 */
export class MpConnector {
  private readonly log: Logger;
  private readonly order: EndpointOrder;
  private readonly onConnected: OnConnected = (host, port, won) =>
    this.log.info(
      { host, port, address: won.address, family: `IPv${won.family}`, attempted: won.attempted },
      'connected',
    );
  private readonly httpAgent: EyeballsHttpAgent;
  private httpsAgent: { ca: string; agent: https.Agent } | undefined;
  private readonly active = new Set<http.ClientRequest>();

  constructor(private readonly options: MpConnectorOptions) {
    this.log = options.logger;
    this.order = new EndpointOrder(options.config, options.retryDefaultAfterMs, options.now);
    this.httpAgent = new EyeballsHttpAgent({ keepAlive: true, maxSockets: 4 }, { onConnected: this.onConnected });
  }

  /** The endpoints a request for `path` tries, in order. */
  route(path: string): Route {
    return this.order.route(path);
  }

  /** The MP host the next request tries first, undefined when none is configured or it is the gateway. */
  preferredHost(): string | undefined {
    return this.order.preferredHost();
  }

  /** Remembers the endpoint that answered a request of `route`. */
  succeeded(endpoint: MpEndpoint, route: Route): void {
    this.order.succeeded(endpoint, route);
  }

  /** One HTTP exchange with one endpoint; rejects on a transport failure or timeout. */
  send(endpoint: MpEndpoint, send: Send): Promise<Exchanged> {
    const connecting = new AbortController();
    const base = {
      host: endpoint.host,
      port: endpoint.port,
      method: send.method,
      path: send.path,
      headers: send.headers,
      [CONNECT_SIGNAL]: connecting.signal,
    };
    const req =
      endpoint.protocol === 'http'
        ? http.request({ ...base, agent: this.httpAgent })
        : https.request({ ...base, ...this.tlsOptions(send.insecureTls) });
    this.active.add(req);
    req.once('close', () => this.active.delete(req));
    return exchange(req, send.body, send.timeoutMs, () =>
      connecting.abort(transportFailure(`abandoned: ${send.method} ${send.path} ended before it connected`)),
    );
  }

  /** Closes every socket, including those of requests in flight. */
  close(): void {
    for (const req of this.active) req.destroy(transportFailure('the agent is stopping'));
    this.active.clear();
    this.httpAgent.destroy();
    this.httpsAgent?.agent.destroy();
    this.httpsAgent = undefined;
  }

  private tlsOptions(insecure: boolean): https.RequestOptions {
    // Trust on first use: the CA is downloaded unverified once, checked against SMSCAFINGERPRINT, then pinned.
    if (insecure) return { rejectUnauthorized: false, agent: false };
    const ca = (this.options.tlsCa ?? this.options.caPem)();
    if (ca === undefined) return { agent: false };
    if (this.httpsAgent?.ca !== ca) {
      this.httpsAgent?.agent.destroy();
      this.httpsAgent = {
        ca,
        agent: new EyeballsHttpsAgent({ keepAlive: true, maxSockets: 4, ca }, { onConnected: this.onConnected }),
      };
    }
    return { agent: this.httpsAgent.agent };
  }
}
