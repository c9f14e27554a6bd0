import diagnostics from 'node:diagnostics_channel';
import { createHmac, createPublicKey, diffieHellman, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  type ClientSessionResponse,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  SiteportError,
  clientSessionKeyInfo,
  sessionMacPrefix,
} from '@siteport/protocol';
import { ephemeralX25519 } from '@siteport/session-crypto';
import type { AnswerAuth } from './answer-sealer.js';
import type { NonceCache } from './nonce-cache.js';

/** Options of {@link ClientSessions}. */
export interface ClientSessionsOptions {
  /** How long a session key is accepted after it was agreed. @default 3600000 (one hour) */
  ttlMs?: number;
  /** Replay and freshness state shared with signed requests (one namespace per client). */
  nonces: NonceCache;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Message of `siteport:mp:session`: a client opened a session with this MP process. */
interface SessionEvent {
  event: 'open';
  clientId: string;
}

interface Session {
  id: string;
  key: Buffer;
  expiresAt: number;
}

const ONE_HOUR_MS = 3_600_000;
const sessionChannel = diagnostics.channel('siteport:mp:session');
const MAC_BYTES = 32;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/** Derives a session key from an X25519 agreement; the agent derives the same (apps/agent/src/session/client-session.ts). */
function deriveClientSessionKey(shared: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
}

/**
 * The client sessions of one management point process (decisions 0060, 0062), shared by every
 * client request it serves: policy, heartbeat, long-polls, inventory and pre-flight reports. A
 * client that proved its registered Ed25519 key once agrees a key with the MP (X25519 + HKDF);
 * its requests are then authenticated by an HMAC-SHA256 with that key, a few microseconds
 * instead of a ~100 µs signature verification. One session per client, kept in memory: a
 * session unknown here (MP restarted, expired, opened at another MP) is refused with
 * `E_SESSION_EXPIRED` and the client opens a new one. Timestamps and nonces go through the same
 * {@link NonceCache} as signed requests, so stale and replayed requests are refused alike.
 */
export class ClientSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private opened = 0;

  constructor(private readonly options: ClientSessionsOptions) {
    this.ttlMs = options.ttlMs ?? ONE_HOUR_MS;
    this.now = options.now ?? Date.now;
  }

  /** Number of sessions held. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Agrees a session with a client whose request was already verified with its registered key.
   * A newer session replaces the client's previous one.
   */
  open(clientId: string, clientPublicKey: string): ClientSessionResponse {
    let peer;
    try {
      peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: clientPublicKey }, format: 'jwk' });
    } catch (error) {
      throw new SiteportError('E_VALIDATION', 'publicKey is not a raw X25519 public key (32 bytes, base64url)', {
        cause: error,
      });
    }
    const own = ephemeralX25519();
    const serverPublicKey = own.publicKey;
    const id = randomBytes(16).toString('base64url');
    const shared = diffieHellman({ privateKey: own.privateKey, publicKey: peer });
    const key = deriveClientSessionKey(shared, clientSessionKeyInfo(clientId, id, clientPublicKey, serverPublicKey));
    this.sessions.set(clientId, { id, key, expiresAt: this.now() + this.ttlMs });
    this.opened += 1;
    if (sessionChannel.hasSubscribers) sessionChannel.publish({ event: 'open', clientId } satisfies SessionEvent);
    if (this.opened % 1024 === 0) this.prune();
    return {
      sessionId: id,
      publicKey: serverPublicKey,
      expiresInSeconds: Math.floor(this.ttlMs / 1000),
      scope: 'requests',
    };
  }

  /** Whether a request carries session headers (otherwise it must be signed). */
  static carriesSession(headers: IncomingHttpHeaders): boolean {
    return headers[SESSION_HEADERS.session] !== undefined;
  }

  /**
   * Authenticates a request by its session MAC and returns the client id and how to authenticate
   * the answer (with the same session key, decision 0092). Refuses a missing or malformed header
   * (`E_UNSIGNED`), an unknown, replaced or expired session (`E_SESSION_EXPIRED`), a wrong MAC
   * (`E_BAD_SESSION_MAC`), a stale timestamp and a replayed nonce.
   */
  verify(
    headers: IncomingHttpHeaders,
    method: string,
    path: string,
    body: Buffer,
  ): { clientId: string; answer: AnswerAuth } {
    const clientId = header(headers, SIGNATURE_HEADERS.client);
    const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
    const nonce = header(headers, SIGNATURE_HEADERS.nonce);
    const sessionId = header(headers, SESSION_HEADERS.session);
    const mac = header(headers, SESSION_HEADERS.mac);
    if (
      clientId === undefined ||
      timestamp === undefined ||
      nonce === undefined ||
      sessionId === undefined ||
      mac === undefined
    ) {
      throw new SiteportError(
        'E_UNSIGNED',
        'a session request needs the client, timestamp, nonce, session and MAC headers',
      );
    }
    if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
      throw new SiteportError(
        'E_UNSIGNED',
        'malformed session headers: timestamp must be epoch milliseconds, nonce base64url',
      );
    }
    const session = this.sessions.get(clientId);
    if (session === undefined || session.id !== sessionId || session.expiresAt <= this.now()) {
      if (session !== undefined && session.expiresAt <= this.now()) this.sessions.delete(clientId);
      throw new SiteportError(
        'E_SESSION_EXPIRED',
        'this management point holds no such client session (expired, replaced or opened elsewhere); open a new one with a signed request',
      );
    }
    const given = Buffer.from(mac, 'base64url');
    const expected = createHmac('sha256', session.key)
      .update(sessionMacPrefix({ method, path, clientId, sessionId, timestamp, nonce }))
      .update(body)
      .digest();
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, expected)) {
      throw new SiteportError(
        'E_BAD_SESSION_MAC',
        'the request MAC does not match the session key; open a new session',
      );
    }
    const freshness = this.options.nonces.check(clientId, Number(timestamp), nonce, this.now());
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
    return {
      clientId,
      answer: { kind: 'mac', key: session.key, request: { method, path, clientId, sessionId, nonce } },
    };
  }

  /** Ends a client's session (it was replaced by a newer registration or the client is gone). */
  forget(clientId: string): void {
    this.sessions.delete(clientId);
  }

  /** Drops expired sessions. */
  prune(): void {
    const now = this.now();
    for (const [clientId, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(clientId);
  }
}
