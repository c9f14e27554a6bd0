import type { KeyObject } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from 'pino';
import { EPOCH_HEADER, SiteportError } from '@siteport/protocol';
import { answerProblem, certificateKey } from './answer-check.js';
import { MpConnector, type Route } from './connect/index.js';
import { type MpEndpoint, endpointUrl } from './endpoint-list.js';
import { MpEpochs } from './mp-epochs.js';
import type { MpRequest, MpResponse, MpTransportOptions } from './mp-request.js';
import { AGENT_CHANNELS, type ContactEvent } from './diagnostics.js';
import { classifyTransportError, isTransportFailure, noAnswer, transportFailure } from './transport-failure.js';

export type { MpRequest, MpResponse, MpTransportOptions } from './mp-request.js';

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
  private readonly connector: MpConnector;
  private closed = false;
  private readonly epochs = new MpEpochs();
  private siteKey: { pem: string; key: KeyObject } | undefined;

  constructor(options: MpTransportOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.connector = new MpConnector({
      config: options.config,
      caPem: options.caPem,
      ...(options.tlsCa === undefined ? {} : { tlsCa: options.tlsCa }),
      retryDefaultAfterMs: options.retryDefaultAfterMs,
      logger: options.logger,
      now: this.now,
    });
  }

  /** Sends one request; throws E_MP_UNREACHABLE listing every endpoint tried when none answered. */
  async request(request: MpRequest): Promise<MpResponse> {
    const route = this.connector.route(request.path);
    if (route.list.length === 0) {
      throw new SiteportError(
        'E_MP_UNREACHABLE',
        'no management point is configured; rerun siteport setup with SMSMP=<host>',
      );
    }
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(request.body), 'utf8');
    const failures: string[] = [];
    let refused = 0;
    for (const endpoint of route.ordered) {
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
        this.succeeded(endpoint, route, raw.address);
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
      this.succeeded(endpoint, route, raw.address);
      throw error;
    }
    throw noAnswer(failures, refused > 0);
  }

  /** The MP host the next request tries first; undefined when none is configured or it is the gateway. */
  preferredHost(): string | undefined {
    return this.connector.preferredHost();
  }

  /** Closes every socket, including those of requests in flight. Further requests fail. */
  close(): void {
    this.closed = true;
    this.connector.close();
  }

  private succeeded(endpoint: MpEndpoint, route: Route, address: string | undefined): void {
    this.connector.succeeded(endpoint, route);
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

  private async attempt(endpoint: MpEndpoint, request: MpRequest, body: Buffer): Promise<RawResponse> {
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
    const raw = await this.connector.send(endpoint, {
      method: request.method,
      path: request.path,
      headers,
      body,
      insecureTls: request.insecureTls === true,
      timeoutMs: request.timeoutMs ?? this.options.timeoutMs,
    });
    this.epochs.note(endpoint.host, raw.headers[EPOCH_HEADER]);
    if (raw.status >= 200 && raw.status < 300 && raw.body === undefined) {
      throw transportFailure(`HTTP ${raw.status} without a JSON body, not a siteport management point`);
    }
    return { ...raw, sent, epoch };
  }
}
