import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { RegisterRequest, SiteportError, invalidField } from '@siteport/protocol';
import { ClientService } from '../clients/index.js';
import { parseJson, readBody, sendError } from '../http/index.js';
import { ClientSessions, type RequestVerifier, type SourceRateLimit } from '../mp/index.js';
import { relayKind } from './relay-rules.js';
import type { Upstreams } from './upstreams.js';

const registerCheck = TypeCompiler.Compile(RegisterRequest);

/** Limits of one gateway (decision 0091 for the listener, decision 0113 for the relay). */
interface RelayLimits {
  /** Largest request body relayed. @default 65536 */
  maxBodyBytes: number;
  /** Requests relayed to management points at once; more are refused with E_GATEWAY_BUSY. @default 256 */
  maxConcurrent: number;
}

/** What the relay needs. */
export interface RelayDeps {
  /** Checks signatures like a management point does, against the keys the site holds. */
  verifier: RequestVerifier;
  upstreams: Pick<Upstreams, 'forward'>;
  /** Registrations per source address (a registration needs no registered key). */
  registrations: Pick<SourceRateLimit, 'take'>;
  limits: RelayLimits;
  logger: Logger;
}

/** The relay's counters, for the status line and tests. */
export interface RelayCounts {
  relayed: number;
  refused: number;
  inFlight: number;
}

/**
 * The request handler of a gateway (decision 0113): decides by path and method whether a request
 * may be relayed at all, reads its body up to the limit, verifies it exactly as a management point
 * verifies a signed request (registered, not blocked, signature, timestamp, nonce) and only then
 * sends it to a management point of the site. The answer comes back as the MP sealed it: the
 * gateway cannot alter what the agent acts on (decision 0092).
 */
export class Relay {
  private inFlight = 0;
  private relayed = 0;
  private refused = 0;

  constructor(private readonly deps: RelayDeps) {}

  counts(): RelayCounts {
    return { relayed: this.relayed, refused: this.refused, inFlight: this.inFlight };
  }

  /** Handles one request; every refusal is a siteport error answer. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((error: unknown) => {
      this.refused += 1;
      if (!(error instanceof SiteportError)) this.deps.logger.error({ err: error }, 'gateway request failed');
      else this.deps.logger.debug({ code: error.code, url: req.url?.slice(0, 120) }, 'gateway refused a request');
      sendError(res, error);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind = relayKind(req.method, req.url);
    const method = req.method as 'GET' | 'POST';
    const url = req.url as string;
    if (kind === 'register') this.deps.registrations.take(req.socket.remoteAddress ?? '');
    const body = await readBody(req, this.deps.limits.maxBodyBytes);
    const affinity = await this.verify(kind, req, method, url, body);
    if (this.inFlight >= this.deps.limits.maxConcurrent) {
      throw new SiteportError('E_GATEWAY_BUSY', 'the gateway relays as many requests as it allows; try again shortly', {
        details: { retryAfterSeconds: 1 },
      });
    }
    this.inFlight += 1;
    try {
      await this.deps.upstreams.forward({ method, path: url, headers: req.headers, body, affinity }, res);
      this.relayed += 1;
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Verifies a request before anything is relayed; returns what picks its management point. */
  private async verify(
    kind: 'ca' | 'register' | 'client',
    req: IncomingMessage,
    method: string,
    url: string,
    body: Buffer,
  ): Promise<string> {
    if (kind === 'ca') return '';
    if (kind === 'register') {
      const parsed = parseJson(body);
      if (!registerCheck.Check(parsed)) throw invalidField('registration', registerCheck.Errors(parsed));
      const key = ClientService.parsePublicKey(parsed.publicKey);
      this.deps.verifier.verifyRegistration(req.headers, method, url, body, key);
      return ClientService.fingerprint(key);
    }
    if (ClientSessions.carriesSession(req.headers)) {
      throw new SiteportError(
        'E_GATEWAY_SIGNED_ONLY',
        'a gateway verifies signed requests only: send requests through it signed with the client key, without a session',
      );
    }
    const client = await this.deps.verifier.verifySigned(req.headers, method, url, body);
    return client.id;
  }
}
