import assert from 'node:assert/strict';
import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type ErrorCode,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  clientSessionKeyInfo,
  isSiteportError,
  sessionMacPrefix,
} from '@siteport/protocol';
import { NonceCache } from './nonce-cache.js';
import { ClientSessions } from './client-sessions.js';

const PATH = '/mp/v1/notify/poll';

/** The client half, written from the protocol's description alone (X25519, HKDF-SHA256, HMAC-SHA256). */
function clientOf(sessions: ClientSessions, clientId: string) {
  const own = generateKeyPairSync('x25519');
  const publicKey = String(own.publicKey.export({ format: 'jwk' }).x);
  const answer = sessions.open(clientId, publicKey);
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: answer.publicKey }, format: 'jwk' });
  const info = clientSessionKeyInfo(clientId, answer.sessionId, publicKey, answer.publicKey);
  const key = Buffer.from(
    hkdfSync('sha256', diffieHellman({ privateKey: own.privateKey, publicKey: peer }), Buffer.alloc(0), info, 32),
  );
  const headers = (
    body: Buffer,
    over: { timestamp?: string; nonce?: string; sessionId?: string; clientId?: string; key?: Buffer } = {},
  ) => {
    const timestamp = over.timestamp ?? String(Date.now());
    const nonce = over.nonce ?? randomBytes(16).toString('base64url');
    const sessionId = over.sessionId ?? answer.sessionId;
    const id = over.clientId ?? clientId;
    const mac = createHmac('sha256', over.key ?? key)
      .update(sessionMacPrefix({ method: 'POST', path: PATH, clientId: id, sessionId, timestamp, nonce }))
      .update(body)
      .digest('base64url');
    return {
      [SIGNATURE_HEADERS.client]: id,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SESSION_HEADERS.session]: sessionId,
      [SESSION_HEADERS.mac]: mac,
    };
  };
  return { answer, headers };
}

const code = (expected: ErrorCode) => (error: unknown) => isSiteportError(error, expected);

describe('ClientSessions', () => {
  it('accepts a request whose MAC the client computed with the agreed key, and returns its client id', () => {
    const sessions = new ClientSessions({ nonces: new NonceCache() });
    const c = clientOf(sessions, 'client-a');
    const body = Buffer.from('{"waitSeconds":50,"acks":[]}');
    assert.equal(sessions.verify(c.headers(body), 'POST', PATH, body).clientId, 'client-a');
    assert.equal(c.answer.expiresInSeconds, 3600);
  });

  it('refuses a tampered body or path, a wrong key, a replayed nonce and a stale timestamp', () => {
    const sessions = new ClientSessions({ nonces: new NonceCache() });
    const c = clientOf(sessions, 'client-a');
    const body = Buffer.from('{"waitSeconds":50,"acks":[]}');
    assert.throws(
      () => sessions.verify(c.headers(body), 'POST', PATH, Buffer.from('{"waitSeconds":0,"acks":[]}')),
      code('E_BAD_SESSION_MAC'),
    );
    assert.throws(() => sessions.verify(c.headers(body), 'POST', '/mp/v1/inventory', body), code('E_BAD_SESSION_MAC'));
    assert.throws(
      () => sessions.verify(c.headers(body, { key: randomBytes(32) }), 'POST', PATH, body),
      code('E_BAD_SESSION_MAC'),
    );
    const once = c.headers(body);
    sessions.verify(once, 'POST', PATH, body);
    assert.throws(() => sessions.verify(once, 'POST', PATH, body), code('E_REPLAY'));
    assert.throws(
      () => sessions.verify(c.headers(body, { timestamp: String(Date.now() - 10 * 60_000) }), 'POST', PATH, body),
      code('E_STALE_REQUEST'),
    );
    assert.throws(
      () => sessions.verify({ ...c.headers(body), [SESSION_HEADERS.mac]: 'short' }, 'POST', PATH, body),
      code('E_BAD_SESSION_MAC'),
    );
    assert.throws(
      () => sessions.verify({ [SESSION_HEADERS.session]: c.answer.sessionId }, 'POST', PATH, body),
      code('E_UNSIGNED'),
    );
  });

  it("binds a session to its client: another client id with the session's id and key is refused", () => {
    const sessions = new ClientSessions({ nonces: new NonceCache() });
    const a = clientOf(sessions, 'client-a');
    clientOf(sessions, 'client-b');
    const body = Buffer.from('{}');
    assert.throws(
      () => sessions.verify(a.headers(body, { clientId: 'client-b' }), 'POST', PATH, body),
      code('E_SESSION_EXPIRED'),
    );
  });

  it('refuses an expired session, and a session replaced by a newer one of the same client', () => {
    let now = Date.now();
    const sessions = new ClientSessions({ nonces: new NonceCache(), ttlMs: 60_000, now: () => now });
    const first = clientOf(sessions, 'client-a');
    const second = clientOf(sessions, 'client-a');
    const body = Buffer.from('{}');
    assert.throws(() => sessions.verify(first.headers(body), 'POST', PATH, body), code('E_SESSION_EXPIRED'));
    assert.equal(sessions.verify(second.headers(body), 'POST', PATH, body).clientId, 'client-a');
    now += 60_000;
    assert.throws(
      () => sessions.verify(second.headers(body, { timestamp: String(now) }), 'POST', PATH, body),
      code('E_SESSION_EXPIRED'),
    );
    assert.equal(sessions.size, 0, 'the expired session is dropped');
  });

  it('refuses a client public key that is not a raw X25519 key', () => {
    const sessions = new ClientSessions({ nonces: new NonceCache() });
    assert.throws(() => sessions.open('client-a', 'A'.repeat(42) + '!'), code('E_VALIDATION'));
  });
});
