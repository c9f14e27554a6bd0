import { createHash, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { REGISTRATION_CLIENT_ID, SIGNATURE_HEADERS, SiteportError, canonicalRequest } from '@siteport/protocol';
import { ClientService } from '../clients/index.js';
import { publicKeyFromPem } from '../site/index.js';
import type { AnswerAuth } from './answer-sealer.js';
import { ClientSessions } from './client-sessions.js';
import type { MpEpoch } from './mp-epoch.js';
import type { NonceCache } from './nonce-cache.js';

/** A client whose request verified, and how the answer to that request is authenticated (decision 0092). */
export interface AuthenticatedClient {
  id: string;
  answer: AnswerAuth;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const EMPTY = Buffer.alloc(0);

interface SignatureHeaders {
  clientId: string;
  timestamp: string;
  nonce: string;
  signature: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

function readHeaders(headers: IncomingHttpHeaders): SignatureHeaders {
  const clientId = header(headers, SIGNATURE_HEADERS.client);
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(headers, SIGNATURE_HEADERS.nonce);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  if (clientId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) {
    throw new SiteportError(
      'E_UNSIGNED',
      'client requests must be signed: register first, then sign with the client key',
    );
  }
  if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw new SiteportError(
      'E_UNSIGNED',
      'malformed signature headers: timestamp must be epoch milliseconds, nonce base64url',
    );
  }
  return { clientId, timestamp, nonce, signature: Buffer.from(signature, 'base64') };
}

/**
 * Authenticates client requests (decisions 0003, 0060, 0062): by the MAC of a client session when
 * the request names one, else by its Ed25519 signature; either way with the same timestamp and
 * nonce checks. A signed request must also fit this process's {@link MpEpoch} (decision 0092), so
 * that one captured before a restart is not accepted again. One per MP process, with that
 * process's {@link ClientSessions}.
 */
export class RequestVerifier {
  constructor(
    private readonly clients: Pick<ClientService, 'known' | 'knownCached'>,
    private readonly nonces: NonceCache,
    /** The sessions of this MP process, shared by every client endpoint. */
    readonly sessions: ClientSessions,
    private readonly epoch: MpEpoch,
  ) {}

  private checkSignature(
    h: SignatureHeaders,
    method: string,
    path: string,
    body: Buffer | undefined,
    key: KeyObject,
    nonceId: string,
  ): AnswerAuth {
    const bodySha256 =
      body === undefined || body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
    const data = Buffer.from(
      canonicalRequest({ method, path, clientId: h.clientId, timestamp: h.timestamp, nonce: h.nonce, bodySha256 }),
    );
    if (!verify(null, data, key, h.signature)) {
      throw new SiteportError(
        'E_BAD_SIGNATURE',
        'the request signature does not match the registered client key; reinstall the client if its key was replaced',
      );
    }
    if (!this.epoch.admits(h.nonce, Number(h.timestamp))) {
      throw new SiteportError(
        'E_MP_EPOCH',
        'this signed request is not bound to the current epoch of this management point process (it restarted, or the request was meant for another process); sign again with the epoch named in x-siteport-epoch of this answer',
      );
    }
    const freshness = this.nonces.check(nonceId, Number(h.timestamp), h.nonce);
    if (freshness === 'stale') {
      throw new SiteportError(
        'E_STALE_REQUEST',
        'the request timestamp is more than 5 minutes from the management point clock; fix the client clock',
      );
    }
    if (freshness === 'replay')
      throw new SiteportError(
        'E_REPLAY',
        'this request was already received (replayed nonce); each request needs a new nonce',
      );
    return { kind: 'signature', request: { method, path, clientId: h.clientId, sessionId: '', nonce: h.nonce } };
  }

  /**
   * Verifies a request of a registered client and returns the client: by its session MAC when it
   * carries session headers, else by its signature. A request without session headers is always
   * checked as a signed one, so agents that predate sessions keep working.
   */
  async verifyClient(
    headers: IncomingHttpHeaders,
    method: string,
    path: string,
    body?: Buffer,
  ): Promise<AuthenticatedClient> {
    if (!ClientSessions.carriesSession(headers)) return this.verifySigned(headers, method, path, body);
    const { clientId, answer } = this.sessions.verify(headers, method, path, body ?? EMPTY);
    // Nearly always held in memory: then no promise of its own.
    const client = this.clients.knownCached(clientId) ?? (await this.clients.known(clientId));
    if (client === undefined) {
      // Removed from the site since it opened the session: refused like an unknown signer.
      this.sessions.forget(clientId);
      throw new SiteportError(
        'E_UNKNOWN_CLIENT',
        `client ${clientId} is not registered at this site; the agent registers again`,
      );
    }
    return { id: client.id, answer };
  }

  /** Verifies a request signed with a registered client's key (opening a session takes one) and returns the client. */
  async verifySigned(
    headers: IncomingHttpHeaders,
    method: string,
    path: string,
    body?: Buffer,
  ): Promise<AuthenticatedClient> {
    const h = readHeaders(headers);
    const client = await this.clients.known(h.clientId);
    if (client === undefined) {
      throw new SiteportError(
        'E_UNKNOWN_CLIENT',
        `client ${h.clientId} is not registered at this site; the agent registers again`,
      );
    }
    return {
      id: client.id,
      answer: this.checkSignature(h, method, path, body, publicKeyFromPem(client.publicKey), client.id),
    };
  }

  /** Verifies a registration, signed with the key it registers; returns how to authenticate its answer. */
  verifyRegistration(
    headers: IncomingHttpHeaders,
    method: string,
    path: string,
    body: Buffer,
    key: KeyObject,
  ): AnswerAuth {
    const h = readHeaders(headers);
    if (h.clientId !== REGISTRATION_CLIENT_ID) {
      throw new SiteportError('E_BAD_SIGNATURE', `a registration is signed with client id "${REGISTRATION_CLIENT_ID}"`);
    }
    // Replays of a registration are tracked per key, not under the shared "register" id.
    return this.checkSignature(h, method, path, body, key, `key:${ClientService.fingerprint(key)}`);
  }
}
