import { type KeyObject, createHmac, createPublicKey, diffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { ephemeralX25519 } from '@siteport/session-crypto';
import { Value } from '@sinclair/typebox/value';
import {
  CLIENT_SESSION_PATH,
  ClientSessionResponse,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  type SessionScope,
  SiteportError,
  clientSessionKeyInfo,
  sessionMacPrefix,
} from '@siteport/protocol';
import type { MpResponse, MpTransport } from '../mp-transport.js';
import { createRequestSigner } from '../request-signer.js';

/** A client session agreed with one management point process (decisions 0060, 0062). */
export interface ClientSession {
  clientId: string;
  id: string;
  key: Buffer;
  /** Local clock time after which the session is not used any more (a minute before the MP drops it). */
  usableUntil: number;
  /** Which requests the MP accepts the session's MAC on: long-polls only from an MP of the 0060 version. */
  scope: SessionScope;
}

/** Derives a session key from an X25519 agreement; the MP derives the same (apps/server/src/mp/client-sessions.ts). */
function deriveClientSessionKey(shared: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
}

/** The X25519 half of opening a session: an ephemeral key pair and the key it yields with the MP's answer. */
export function startClientSession(clientId: string): {
  publicKey: string;
  finish: (answer: ClientSessionResponse, now?: number) => ClientSession;
} {
  const own = ephemeralX25519();
  const publicKey = own.publicKey;
  return {
    publicKey,
    finish: (answer, now = Date.now()) => {
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: answer.publicKey }, format: 'jwk' });
      const shared = diffieHellman({ privateKey: own.privateKey, publicKey: peer });
      const key = deriveClientSessionKey(
        shared,
        clientSessionKeyInfo(clientId, answer.sessionId, publicKey, answer.publicKey),
      );
      const lifetimeMs = Math.max(1000, (answer.expiresInSeconds - 60) * 1000);
      return { clientId, id: answer.sessionId, key, usableUntil: now + lifetimeMs, scope: answer.scope ?? 'polls' };
    },
  };
}

/**
 * Opens a session with a request signed by the client's registered key, through the transport
 * (so it takes the same default → alternate, HTTPS → HTTP path as every request). Returns the
 * session and the endpoint whose MP process holds it.
 */
export async function openClientSession(
  transport: MpTransport,
  clientId: string,
  privateKey: KeyObject,
): Promise<{ session: ClientSession; endpoint: MpResponse['endpoint'] }> {
  const pending = startClientSession(clientId);
  const response = await transport.request({
    method: 'POST',
    path: CLIENT_SESSION_PATH,
    body: { publicKey: pending.publicKey },
    signer: createRequestSigner(clientId, privateKey),
  });
  if (!Value.Check(ClientSessionResponse, response.body))
    throw new SiteportError('E_PROTOCOL', 'the client session answer is not siteport protocol');
  return { session: pending.finish(response.body), endpoint: response.endpoint };
}

/** Headers that authenticate one request with a session key: fresh timestamp and nonce, HMAC over them and the body. */
export function sessionHeaders(
  session: ClientSession,
  method: string,
  path: string,
  body: Uint8Array,
): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('base64url');
  const mac = createHmac('sha256', session.key)
    .update(sessionMacPrefix({ method, path, clientId: session.clientId, sessionId: session.id, timestamp, nonce }))
    .update(body)
    .digest('base64url');
  return {
    [SIGNATURE_HEADERS.client]: session.clientId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SESSION_HEADERS.session]: session.id,
    [SESSION_HEADERS.mac]: mac,
  };
}
