import { type KeyObject, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import {
  POLL_SESSION_PATH,
  PollSessionResponse,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  SiteportError,
  pollSessionKeyInfo,
  sessionMacPrefix,
} from '@siteport/protocol';
import type { MpTransport } from '../mp-transport.js';
import { type RequestSigner, createRequestSigner } from '../request-signer.js';

/** A poll session agreed with a management point (decision 0060). */
export interface PollSession {
  clientId: string;
  id: string;
  key: Buffer;
  /** Local clock time after which the session is not used any more (a minute before the MP drops it). */
  usableUntil: number;
}

/** Derives a session key from an X25519 agreement; the MP derives the same (apps/server/src/notify/poll-sessions.ts). */
export function derivePollSessionKey(shared: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
}

/** The X25519 half of opening a session: an ephemeral key pair and the key it yields with the MP's answer. */
export function startPollSession(clientId: string): { publicKey: string; finish: (answer: PollSessionResponse, now?: number) => PollSession } {
  const own = generateKeyPairSync('x25519');
  const publicKey = String(own.publicKey.export({ format: 'jwk' }).x);
  return {
    publicKey,
    finish: (answer, now = Date.now()) => {
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: answer.publicKey }, format: 'jwk' });
      const shared = diffieHellman({ privateKey: own.privateKey, publicKey: peer });
      const key = derivePollSessionKey(shared, pollSessionKeyInfo(clientId, answer.sessionId, publicKey, answer.publicKey));
      const lifetimeMs = Math.max(1000, (answer.expiresInSeconds - 60) * 1000);
      return { clientId, id: answer.sessionId, key, usableUntil: now + lifetimeMs };
    },
  };
}

/**
 * Opens a poll session with a request signed by the client's registered key, through the
 * transport (so it takes the same default → alternate, HTTPS → HTTP path as every request).
 */
export async function openPollSession(transport: MpTransport, clientId: string, privateKey: KeyObject): Promise<PollSession> {
  const pending = startPollSession(clientId);
  const response = await transport.request({
    method: 'POST',
    path: POLL_SESSION_PATH,
    body: { publicKey: pending.publicKey },
    signer: createRequestSigner(clientId, privateKey),
  });
  if (!Value.Check(PollSessionResponse, response.body)) throw new SiteportError('E_PROTOCOL', 'the poll session answer is not siteport protocol');
  return pending.finish(response.body);
}

/** Headers that authenticate one request with a session key: fresh timestamp and nonce, HMAC over them and the body. */
export function sessionHeaders(session: PollSession, method: string, path: string, body: Uint8Array): Record<string, string> {
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

/** A {@link RequestSigner} that authenticates with a poll session instead of a signature. */
export function createSessionSigner(session: PollSession): RequestSigner {
  return ({ method, path, body }) => sessionHeaders(session, method, path, body);
}
