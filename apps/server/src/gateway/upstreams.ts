import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { type GatewayUpstream, type GatewayUpstreamEndpoint, SiteportError, urlHost } from '@siteport/protocol';

/** One request the relay verified, to go to a management point. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Origin-form path with query, checked by the relay rules. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Keeps one client on one MP process while it is up (its epoch binds signed requests, decision 0092). */
  affinity: string;
}

/** Options of {@link Upstreams}. */
export interface UpstreamsOptions {
  /** Reads the site's current MP endpoints (the admin API of the site server). */
  fetch: () => Promise<GatewayUpstream>;
  /** How often the endpoints are read again (a rollout moves the ports). @default 5000 */
  refreshMs: number;
  /** Connect + answer timeout of one relayed request. @default 30000 */
  timeoutMs: number;
  /** Largest answer relayed (agent packages are the largest). @default 67108864 */
  maxResponseBytes: number;
  logger: Logger;
}

/** Request headers a management point needs; nothing else goes on (no Host, no forwarding headers). */
const REQUEST_HEADERS = ['accept', 'content-type', 'user-agent'];
/** Answer headers that come back: the body's type and length, Retry-After, and every siteport header (answer MAC/signature, epoch). */
const ANSWER_HEADERS = new Set(['content-type', 'content-length', 'retry-after']);

function relayedRequestHeaders(headers: http.IncomingHttpHeaders, body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (REQUEST_HEADERS.includes(name) || name.startsWith('x-siteport-')) out[name] = value;
  }
  out['content-length'] = String(body.length);
  return out;
}

function endpointLabel(e: GatewayUpstreamEndpoint): string {
  return `${e.protocol}://${urlHost(e.host)}:${e.port}`;
}

/**
 * The management points a gateway relays to (decision 0113). It reads the site's endpoints — every
 * MP host on each request port served now, HTTPS first, both sides of an open rollout — at start and
 * every `refreshMs`, so a port change inside the network never reaches clients outside: the
 * gateway's own public port stays. A request goes to the client's MP first (by a hash of the client)
 * and on to the next endpoint when one cannot be reached; HTTPS is verified against the site CA.
 */
export class Upstreams {
  private current: GatewayUpstream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private httpsAgent: { ca: string; agent: https.Agent } | undefined;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: UpstreamsOptions) {}

  /** The endpoints as last read, or undefined before the first read. */
  get view(): GatewayUpstream | undefined {
    return this.current;
  }

  /** Reads the endpoints once (a failure is thrown: the gateway does not start blind) and then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.httpAgent.destroy();
    this.httpsAgent?.agent.destroy();
  }

  /** Reads the endpoints now; keeps the last good ones when the site cannot be read. */
  refresh(strict = false): Promise<void> {
    this.refreshing ??= this.options
      .fetch()
      .then((next) => {
        const before = this.current?.endpoints.map(endpointLabel).join(',');
        const after = next.endpoints.map(endpointLabel).join(',');
        if (before !== after) this.options.logger.info({ endpoints: after }, 'management point endpoints changed');
        this.current = next;
      })
      .catch((error: unknown) => {
        if (strict) throw error;
        this.options.logger.warn({ err: error }, 'cannot read the site; relaying to the endpoints read before');
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The endpoints in the order one client's request tries them. */
  order(affinity: string): GatewayUpstreamEndpoint[] {
    const endpoints = this.current?.endpoints ?? [];
    const hosts = [...new Set(endpoints.map((e) => e.host))];
    if (hosts.length <= 1) return endpoints;
    const first = createHash('sha256').update(affinity).digest().readUInt32BE(0) % hosts.length;
    const rotated = [...hosts.slice(first), ...hosts.slice(0, first)];
    return rotated.flatMap((host) => endpoints.filter((e) => e.host === host));
  }

  /**
   * Relays one verified request and pipes the answer to `res`. An endpoint that cannot be reached
   * (refused, reset, timed out before answering) is passed over; when none answers, the site's
   * endpoints are read again once and E_GATEWAY_UPSTREAM is thrown.
   */
  async forward(request: UpstreamRequest, res: http.ServerResponse): Promise<void> {
    const tried: string[] = [];
    for (let round = 0; round < 2; round += 1) {
      for (const endpoint of this.order(request.affinity)) {
        const label = endpointLabel(endpoint);
        if (tried.includes(label)) continue;
        tried.push(label);
        let answer: http.IncomingMessage;
        try {
          answer = await this.exchange(endpoint, request);
        } catch (error) {
          this.options.logger.debug({ endpoint: label, err: error }, 'management point endpoint failed');
          continue;
        }
        await this.pipe(answer, res);
        return;
      }
      if (round === 0) await this.refresh();
    }
    throw new SiteportError(
      'E_GATEWAY_UPSTREAM',
      `the gateway reached no management point of its site (tried ${tried.join(', ') || 'none: the site named none'})`,
      { details: { retryAfterSeconds: 5 } },
    );
  }

  private agentFor(endpoint: GatewayUpstreamEndpoint): http.Agent {
    if (endpoint.protocol === 'http') return this.httpAgent;
    const ca = this.current?.caCertificate ?? '';
    if (this.httpsAgent?.ca !== ca) {
      this.httpsAgent?.agent.destroy();
      this.httpsAgent = { ca, agent: new https.Agent({ keepAlive: true, maxSockets: 64, ca }) };
    }
    return this.httpsAgent.agent;
  }

  /** Sends the request; resolves with the answer once its head arrived. */
  private exchange(endpoint: GatewayUpstreamEndpoint, request: UpstreamRequest): Promise<http.IncomingMessage> {
    const { timeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const transport = endpoint.protocol === 'https' ? https : http;
      const req = transport.request({
        host: endpoint.host,
        port: endpoint.port,
        method: request.method,
        path: request.path,
        headers: relayedRequestHeaders(request.headers, request.body),
        agent: this.agentFor(endpoint),
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (answer) => {
        answer.on('end', () => clearTimeout(timer));
        answer.on('error', () => clearTimeout(timer));
        answer.on('close', () => clearTimeout(timer));
        resolve(answer);
      });
      req.end(request.body.length > 0 ? request.body : undefined);
    });
  }

  /** Copies an answer: status, the headers the agent checks, the body up to the limit; resolves when it is sent. */
  private pipe(answer: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const declared = Number(answer.headers['content-length'] ?? 0);
    if (declared > this.options.maxResponseBytes) {
      answer.destroy();
      return Promise.reject(
        new SiteportError(
          'E_GATEWAY_UPSTREAM',
          `the management point's answer of ${declared} bytes exceeds the gateway's limit`,
        ),
      );
    }
    if (res.destroyed) {
      // The client went away while the MP answered: nothing to copy, the slot is free at once.
      answer.destroy();
      return Promise.resolve();
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (typeof value === 'string' && (ANSWER_HEADERS.has(name) || name.startsWith('x-siteport-')))
        headers[name] = value;
    }
    res.writeHead(answer.statusCode ?? 502, headers);
    const done = new Promise<void>((resolve) => res.on('close', resolve));
    let size = 0;
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.options.maxResponseBytes) {
        answer.destroy();
        res.destroy();
        return;
      }
      res.write(chunk);
    });
    answer.on('end', () => res.end());
    answer.on('error', () => res.destroy());
    res.on('close', () => answer.destroy());
    return done;
  }
}
