// Over 300 lines: endpoint order, fallback, the sticky choice and retries for one MP host are one piece of state.
import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { EPOCH_HEADER, EPOCH_LENGTH, SiteportError } from '@siteport/protocol';
import { answerProblem, certificateKey } from './answer-check.js';
import type { ClientConfig } from './client-config.js';
import type { LastContact } from './agent-status.js';
import { type MpEndpoint, endpointList, endpointUrl } from './endpoint-list.js';
import { EyeballsHttpAgent, EyeballsHttpsAgent, type OnConnected } from './happy-eyeballs-agent.js';
import { gatewayEndpoint, relayedByGateway } from './gateway/index.js';
import type { RequestSigner } from './request-signer.js';
import { AGENT_CHANNELS, type ContactEvent } from './diagnostics.js';
import { classifyTransportError, isTransportFailure, transportFailure } from './transport-failure.js';

/** Options of {@link MpTransport}. */
export interface MpTransportOptions {
  /** The current client configuration; read for every request so policy and port switch apply at once. */
  config: () => ClientConfig;
  /** The pinned site CA (PEM), or undefined before the first registration. */
  caPem: () => string | undefined;
  /** What HTTPS is verified with: the pinned CA and the further anchors the site signed (decision 0101). @default caPem */
  tlsCa?: () => string | undefined;
  /**
   * An HTTPS endpoint's certificate did not verify: may fetch further trust anchors the site
   * signed; resolves true when they changed, and the endpoint is tried once more.
   */
  onUntrustedCertificate?: () => Promise<boolean>;
  /** Connect + response timeout of one attempt. @default 5000 */
  timeoutMs: number;
  /** How long a non-first endpoint stays sticky before the list is tried from the top again. @default 300000 */
  retryDefaultAfterMs: number;
  /** Called after every request a management point answered. */
  onContact: (contact: LastContact) => void;
  logger: Logger;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** One request to "the site's management point", whichever endpoint answers it. */
export interface MpRequest {
  method: 'GET' | 'POST';
  /** Path with query, e.g. `/mp/v1/policy`. */
  path: string;
  body?: unknown;
  /**
   * Authenticates each attempt. A request with a signer is an authenticated one, and the agent
   * acts on its answer only when the answer is authenticated too (decision 0092): an answer that
   * is not counts as a failed endpoint.
   */
  signer?: RequestSigner;
  /**
   * The key of the client session whose MAC the attempt just sent carried, if it carried one:
   * the answer's MAC is checked with it. Read right after each attempt.
   */
  sessionKey?: () => Buffer | undefined;
  /**
   * The body holds a secret (a registration token): it goes only to HTTPS endpoints checked
   * against the pinned site CA, never over plain HTTP where anyone on the path could read it.
   */
  confidential?: boolean;
  /** Accept any server certificate: only for `GET /mp/v1/ca` before a CA is pinned. */
  insecureTls?: boolean;
  /** Timeout of this request instead of the transport's (a long-poll waits longer). */
  timeoutMs?: number;
}

/** A successful (2xx) answer and the endpoint that gave it. */
export interface MpResponse {
  status: number;
  body: unknown;
  endpoint: MpEndpoint;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

interface RawResponse {
  status: number;
  body: unknown;
  /** The exact body bytes (answer MACs and signatures cover them). */
  bytes: Buffer;
  headers: http.IncomingHttpHeaders;
  /** The authentication headers this attempt sent. */
  sent: Record<string, string>;
  /** The MP epoch the attempt's signature was bound to, if any. */
  epoch: string | undefined;
  /** The address the connection went to. */
  address: string | undefined;
}

/** TLS errors of a server certificate that does not chain to what the agent trusts. */
const UNTRUSTED_CERTIFICATE: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** Most MP hosts whose epoch is remembered (hosts come from client.json and policy). */
const MAX_EPOCHS = 256;
const EPOCH_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${EPOCH_LENGTH}}$`);

function errorCode(body: unknown): string | undefined {
  const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown } }).error : undefined;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/**
 * Sends client requests to management points with port fallback: endpoints are tried in
 * the order of {@link endpointList}; a transport failure moves on to the next one, an error answer
 * from the MP is thrown as its SiteportError. The endpoint that worked is tried first next time,
 * until `retryDefaultAfterMs` has passed, after which the list is tried from the top again so the
 * agent returns to the default port once it is back.
 *
 * Answers to authenticated requests are acted on only when they carry the session MAC or the site
 * CA's signature bound to the request (decision 0092); one that does not is treated like an
 * endpoint that failed. The transport also remembers the epoch each MP host announces and binds
 * signed requests to it, resending once when an MP refuses a request for its epoch (it restarted).
 */
export class MpTransport {
  private readonly options: MpTransportOptions;
  private readonly now: () => number;
  private readonly log: Logger;
  /** New connections race the MP host's IPv6 and IPv4 addresses (Happy Eyeballs, decision 0112). */
  private readonly onConnected: OnConnected = (host, port, won) =>
    this.log.info(
      { host, port, address: won.address, family: `IPv${won.family}`, attempted: won.attempted },
      'connected',
    );
  private readonly httpAgent = new EyeballsHttpAgent(
    { keepAlive: true, maxSockets: 4 },
    { onConnected: this.onConnected },
  );
  private httpsAgent: { ca: string; agent: https.Agent } | undefined;
  private readonly active = new Set<http.ClientRequest>();
  private sticky: { url: string; since: number } | null = null;
  private listKey = '';
  private closed = false;
  /** By MP host: the epoch its process announced last. */
  private readonly epochs = new Map<string, string>();
  private siteKey: { pem: string; key: KeyObject } | undefined;

  constructor(options: MpTransportOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
  }

  /** Sends one request; throws E_MP_UNREACHABLE listing every endpoint tried when none answered. */
  async request(request: MpRequest): Promise<MpResponse> {
    const list = this.endpoints();
    if (list.length === 0) {
      throw new SiteportError(
        'E_MP_UNREACHABLE',
        'no management point is configured; rerun siteport setup with SMSMP=<host>',
      );
    }
    const { ordered: all, usedSticky } = this.order(list);
    // The site's gateway comes after every direct endpoint and only for paths it relays (decision 0113).
    const ordered = relayedByGateway(request.path) ? all : all.filter((e) => e.role !== 'gateway');
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(request.body), 'utf8');
    const failures: string[] = [];
    let refused = 0;
    for (const endpoint of ordered) {
      if (this.closed) throw new SiteportError('E_MP_UNREACHABLE', 'the agent is stopping');
      const url = endpointUrl(endpoint);
      if (
        request.confidential === true &&
        (endpoint.protocol !== 'https' || request.insecureTls === true || this.options.caPem() === undefined)
      ) {
        failures.push(`${url} (skipped: a registration token goes only over HTTPS checked against the pinned site CA)`);
        continue;
      }
      let raw: RawResponse;
      try {
        raw = await this.exchangeTrusting(endpoint, request, body);
      } catch (error) {
        const reason = isTransportFailure(error) ? error.reason : classifyTransportError(error, this.options.timeoutMs);
        failures.push(`${url} (${reason})`);
        this.publish({ host: endpoint.host, protocol: endpoint.protocol, port: endpoint.port, ok: false, reason });
        this.log.debug({ endpoint: url, reason }, 'endpoint failed');
        continue;
      }
      const problem = this.answerProblem(endpoint, request, raw);
      if (problem !== undefined) {
        refused += 1;
        const reason = `answer refused: ${problem}`;
        failures.push(`${url} (${reason})`);
        this.publish({ host: endpoint.host, protocol: endpoint.protocol, port: endpoint.port, ok: false, reason });
        this.log.warn(
          { endpoint: url, path: request.path, reason: problem },
          'refused a management point answer that is not authenticated; trying the next endpoint',
        );
        continue;
      }
      if (raw.status >= 200 && raw.status < 300) {
        this.succeeded(endpoint, list, usedSticky, raw.address);
        return { status: raw.status, body: raw.body, endpoint };
      }
      const error = SiteportError.fromBody(
        raw.body,
        `${url} answered HTTP ${raw.status} without a siteport error body`,
      );
      if (error.code === 'E_PROTOCOL' || (error.code === 'E_HTTPS_REQUIRED' && endpoint.protocol === 'http')) {
        const reason =
          error.code === 'E_PROTOCOL'
            ? `HTTP ${raw.status}, not a siteport management point`
            : 'the site requires HTTPS';
        failures.push(`${url} (${reason})`);
        this.publish({ host: endpoint.host, protocol: endpoint.protocol, port: endpoint.port, ok: false, reason });
        continue;
      }
      // The MP answered: the endpoint works even though the request was refused.
      this.succeeded(endpoint, list, usedSticky, raw.address);
      throw error;
    }
    if (refused > 0) {
      throw new SiteportError(
        'E_ANSWER_UNAUTHENTICATED',
        `no management point gave an authenticated answer: tried ${failures.join(', ')}; the answers were altered or forged on the way (look for a proxy or interception between this client and the site) or come from a management point older than this agent (upgrade the site first); the client keeps its current policy`,
        { details: { tried: failures } },
      );
    }
    throw new SiteportError(
      'E_MP_UNREACHABLE',
      `no management point answered: tried ${failures.join(', ')}; check that the management point runs and that these ports are open in every firewall on the way`,
      { details: { tried: failures } },
    );
  }

  /**
   * The MP host the next request tries first: the sticky endpoint's while it lasts, else the
   * first of the list; undefined when no MP is configured.
   */
  preferredHost(): string | undefined {
    const first = this.order(this.endpoints()).ordered[0];
    // No client session is opened through a gateway: requests through it are signed.
    return first === undefined || first.role === 'gateway' ? undefined : first.host;
  }

  /** The direct endpoints in order, then the site's gateway when policy named one. */
  private endpoints(): MpEndpoint[] {
    const config = this.options.config();
    const gateway = gatewayEndpoint(config);
    return gateway === undefined ? endpointList(config) : [...endpointList(config), gateway];
  }

  /** Closes every socket, including those of requests in flight. Further requests fail. */
  close(): void {
    this.closed = true;
    for (const req of this.active) req.destroy(transportFailure('the agent is stopping'));
    this.active.clear();
    this.httpAgent.destroy();
    this.httpsAgent?.agent.destroy();
    this.httpsAgent = undefined;
  }

  /** Puts the sticky endpoint first unless its time is up or the endpoint list changed. */
  private order(list: MpEndpoint[]): { ordered: MpEndpoint[]; usedSticky: boolean } {
    const key = list.map(endpointUrl).join(',');
    if (key !== this.listKey) {
      // New ports or MPs (policy, port switch): start from the top of the new list.
      this.listKey = key;
      this.sticky = null;
    }
    if (this.sticky === null) return { ordered: list, usedSticky: false };
    const { url, since } = this.sticky;
    const index = list.findIndex((e) => endpointUrl(e) === url);
    if (index <= 0 || this.now() - since >= this.options.retryDefaultAfterMs)
      return { ordered: list, usedSticky: false };
    const first = list[index] as MpEndpoint;
    return { ordered: [first, ...list.filter((_, i) => i !== index)], usedSticky: true };
  }

  private succeeded(endpoint: MpEndpoint, list: MpEndpoint[], usedSticky: boolean, address: string | undefined): void {
    const url = endpointUrl(endpoint);
    if (list[0] !== undefined && endpointUrl(list[0]) === url) this.sticky = null;
    else if (!usedSticky || this.sticky?.url !== url) this.sticky = { url, since: this.now() };
    this.publish({ host: endpoint.host, protocol: endpoint.protocol, port: endpoint.port, ok: true });
    this.options.onContact({
      port: endpoint.port,
      protocol: endpoint.protocol,
      at: new Date(this.now()).toISOString(),
      mp: endpoint.host,
      ...(address === undefined ? {} : { address }),
      ...(endpoint.role === 'gateway' ? { via: 'gateway' as const } : {}),
    });
  }

  private publish(event: ContactEvent): void {
    if (AGENT_CHANNELS.contact.hasSubscribers) AGENT_CHANNELS.contact.publish(event);
  }

  /**
   * One request on one endpoint. A signed request that the MP process refuses because it is not
   * bound to its epoch (it restarted since the agent learnt it) is signed again with the epoch that
   * refusal announced and sent once more.
   */
  private async exchange(endpoint: MpEndpoint, request: MpRequest, body: Buffer): Promise<RawResponse> {
    const raw = await this.attempt(endpoint, request, body);
    if (errorCode(raw.body) !== 'E_MP_EPOCH' || this.epochs.get(endpoint.host) === raw.epoch) return raw;
    this.log.info(
      { endpoint: endpointUrl(endpoint) },
      'the management point process has a new epoch (restarted); signing again',
    );
    return this.attempt(endpoint, request, body);
  }

  /** {@link exchange}, once more after the site's further trust anchors changed, when HTTPS did not verify. */
  private async exchangeTrusting(endpoint: MpEndpoint, request: MpRequest, body: Buffer): Promise<RawResponse> {
    try {
      return await this.exchange(endpoint, request, body);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const untrusted =
        endpoint.protocol === 'https' &&
        request.insecureTls !== true &&
        typeof code === 'string' &&
        UNTRUSTED_CERTIFICATE.has(code);
      if (
        !untrusted ||
        this.options.onUntrustedCertificate === undefined ||
        !(await this.options.onUntrustedCertificate())
      )
        throw error;
      return this.exchange(endpoint, request, body);
    }
  }

  /** Why the answer must not be acted on (decision 0092), or undefined. Unauthenticated requests (the CA) are not checked here. */
  private answerProblem(endpoint: MpEndpoint, request: MpRequest, raw: RawResponse): string | undefined {
    if (request.signer === undefined) return undefined;
    const caPem = this.options.caPem();
    if (caPem !== undefined && this.siteKey?.pem !== caPem) this.siteKey = { pem: caPem, key: certificateKey(caPem) };
    const code = errorCode(raw.body);
    return answerProblem(
      { method: request.method, path: request.path, headers: raw.sent },
      { status: raw.status, headers: raw.headers, body: raw.bytes, ...(code === undefined ? {} : { code }) },
      {
        session: request.sessionKey?.(),
        site: caPem === undefined ? undefined : this.siteKey?.key,
        pinnedTls: endpoint.protocol === 'https' && request.insecureTls !== true && caPem !== undefined,
      },
    );
  }

  private noteEpoch(host: string, announced: string | string[] | undefined): void {
    if (typeof announced !== 'string' || !EPOCH_PATTERN.test(announced) || this.epochs.get(host) === announced) return;
    if (this.epochs.size >= MAX_EPOCHS) this.epochs.clear();
    this.epochs.set(host, announced);
  }

  private attempt(endpoint: MpEndpoint, request: MpRequest, body: Buffer): Promise<RawResponse> {
    const epoch = this.epochs.get(endpoint.host);
    const sent =
      request.signer === undefined
        ? {}
        : request.signer({
            method: request.method,
            path: request.path,
            body,
            host: endpoint.host,
            ...(epoch === undefined ? {} : { epoch }),
          });
    const headers: Record<string, string> = { accept: 'application/json', ...sent };
    if (request.method !== 'GET') {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const base = { host: endpoint.host, port: endpoint.port, method: request.method, path: request.path, headers };
    return new Promise<RawResponse>((resolve, reject) => {
      const req =
        endpoint.protocol === 'http'
          ? http.request({ ...base, agent: this.httpAgent })
          : https.request({ ...base, ...this.tlsOptions(request.insecureTls === true) });
      this.active.add(req);
      const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
      const finish = (): void => {
        clearTimeout(timer);
        this.active.delete(req);
      };
      // Rejected here, not only by the request's 'error': a connection still being set up (Happy
      // Eyeballs) reports that error only when its attempts end, minutes later behind a dropping firewall.
      const timer = setTimeout(() => {
        const failure = transportFailure(`timed out after ${timeoutMs} ms`);
        req.destroy(failure);
        finish();
        reject(failure);
      }, timeoutMs);
      req.on('error', (error) => {
        finish();
        reject(error);
      });
      req.on('response', (res) => {
        // Read now: a kept-alive socket is back in the pool by the end of the body.
        const address = res.socket?.remoteAddress;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(transportFailure('response larger than 1 MiB'));
          else chunks.push(chunk);
        });
        res.on('error', (error) => {
          finish();
          reject(error);
        });
        res.on('end', () => {
          finish();
          this.noteEpoch(endpoint.host, res.headers[EPOCH_HEADER]);
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let parsed: unknown;
          try {
            parsed = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && parsed === undefined) {
            reject(transportFailure(`HTTP ${status} without a JSON body, not a siteport management point`));
            return;
          }
          resolve({
            status,
            body: parsed,
            bytes,
            headers: res.headers,
            sent,
            epoch,
            address,
          });
        });
      });
      req.end(body.length > 0 ? body : undefined);
    });
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
