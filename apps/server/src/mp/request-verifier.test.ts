import assert from 'node:assert/strict';
import {
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type ErrorCode,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  SIGNATURE_WINDOW_MS,
  canonicalRequest,
  clientSessionKeyInfo,
  isSiteportError,
  sessionMacPrefix,
} from '@siteport/protocol';
import type { KnownClient } from '../clients/client-service.js';
import { ClientSessions } from './client-sessions.js';
import { MpEpoch } from './mp-epoch.js';
import { NonceCache } from './nonce-cache.js';
import { RequestVerifier } from './request-verifier.js';

/** A public key as the site stores it. */
const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

const POLICY = '/mp/v1/policy';
const HEARTBEAT = '/mp/v1/heartbeat';
const NONE = Buffer.alloc(0);
const BEAT = Buffer.from('{"settingsVersion":1,"agentState":"running","hostname":"a"}');

type Over = { timestamp?: string; nonce?: string; sessionId?: string; clientId?: string };

/** A verifier over an in-memory client list, as one MP process holds it. */
function mp(options: { ttlMs?: number; now?: () => number } = {}, epoch = new MpEpoch({ restarted: false })) {
  const known = new Map<string, KnownClient>();
  const nonces = new NonceCache();
  const sessions = new ClientSessions({ nonces, ...options });
  const verifier = new RequestVerifier(
    { known: (id) => Promise.resolve(known.get(id)), knownCached: () => undefined },
    nonces,
    sessions,
    epoch,
  );
  return { known, sessions, verifier, epoch };
}

/**
 * A registered client with its Ed25519 key; `openSession` agrees a key as the protocol text
 * describes it (X25519, HKDF-SHA256), independently of the agent's code.
 */
function client(server: ReturnType<typeof mp>, id: string) {
  const pair = generateKeyPairSync('ed25519');
  server.known.set(id, { id, siteCode: 'PS1', publicKey: pem(pair.publicKey), status: 'active' });
  const signed = (method: string, path: string, body: Buffer, over: Over = {}): Record<string, string> => {
    const timestamp = over.timestamp ?? String(Date.now());
    const nonce = over.nonce ?? randomBytes(16).toString('base64url');
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const signature = sign(
      null,
      Buffer.from(canonicalRequest({ method, path, clientId: id, timestamp, nonce, bodySha256 })),
      pair.privateKey,
    );
    return {
      [SIGNATURE_HEADERS.client]: id,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
    };
  };
  const openSession = () => {
    const own = generateKeyPairSync('x25519');
    const publicKey = String(own.publicKey.export({ format: 'jwk' }).x);
    const answer = server.sessions.open(id, publicKey);
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: answer.publicKey }, format: 'jwk' });
    const info = clientSessionKeyInfo(id, answer.sessionId, publicKey, answer.publicKey);
    const key = Buffer.from(
      hkdfSync('sha256', diffieHellman({ privateKey: own.privateKey, publicKey: peer }), Buffer.alloc(0), info, 32),
    );
    const mac = (method: string, path: string, body: Buffer, over: Over = {}): Record<string, string> => {
      const timestamp = over.timestamp ?? String(Date.now());
      const nonce = over.nonce ?? randomBytes(16).toString('base64url');
      const sessionId = over.sessionId ?? answer.sessionId;
      const clientId = over.clientId ?? id;
      const value = createHmac('sha256', key)
        .update(sessionMacPrefix({ method, path, clientId, sessionId, timestamp, nonce }))
        .update(body)
        .digest('base64url');
      return {
        [SIGNATURE_HEADERS.client]: clientId,
        [SIGNATURE_HEADERS.timestamp]: timestamp,
        [SIGNATURE_HEADERS.nonce]: nonce,
        [SESSION_HEADERS.session]: sessionId,
        [SESSION_HEADERS.mac]: value,
      };
    };
    return { mac, sessionId: answer.sessionId };
  };
  return { signed, openSession };
}

const code = (expected: ErrorCode) => (error: unknown) => isSiteportError(error, expected);

describe('RequestVerifier', () => {
  it('accepts a policy request and a heartbeat carrying the MAC of the client session, and returns the client', async () => {
    const server = mp();
    const a = client(server, 'client-a').openSession();
    assert.equal((await server.verifier.verifyClient(a.mac('GET', POLICY, NONE), 'GET', POLICY)).id, 'client-a');
    assert.equal(
      (await server.verifier.verifyClient(a.mac('POST', HEARTBEAT, BEAT), 'POST', HEARTBEAT, BEAT)).id,
      'client-a',
    );
  });

  it('still accepts a signed request without session headers, also from a client that holds a session', async () => {
    const server = mp();
    const a = client(server, 'client-a');
    a.openSession();
    assert.equal(
      (await server.verifier.verifyClient(a.signed('POST', HEARTBEAT, BEAT), 'POST', HEARTBEAT, BEAT)).id,
      'client-a',
    );
  });

  it('refuses a session request whose body, path or method was changed on the way', async () => {
    const server = mp();
    const a = client(server, 'client-a').openSession();
    const other = Buffer.from('{"settingsVersion":9,"agentState":"running","hostname":"a"}');
    await assert.rejects(
      server.verifier.verifyClient(a.mac('POST', HEARTBEAT, BEAT), 'POST', HEARTBEAT, other),
      code('E_BAD_SESSION_MAC'),
    );
    await assert.rejects(
      server.verifier.verifyClient(a.mac('GET', POLICY, NONE), 'GET', `${POLICY}?x=1`),
      code('E_BAD_SESSION_MAC'),
    );
    await assert.rejects(
      server.verifier.verifyClient(a.mac('POST', HEARTBEAT, BEAT), 'POST', '/mp/v1/probe-report', BEAT),
      code('E_BAD_SESSION_MAC'),
    );
    await assert.rejects(
      server.verifier.verifyClient(a.mac('POST', POLICY, NONE), 'GET', POLICY),
      code('E_BAD_SESSION_MAC'),
    );
  });

  it('refuses a replayed and a stale session request, with the nonces it shares with signed requests', async () => {
    const server = mp();
    const c = client(server, 'client-a');
    const a = c.openSession();
    const once = a.mac('GET', POLICY, NONE);
    await server.verifier.verifyClient(once, 'GET', POLICY);
    await assert.rejects(server.verifier.verifyClient(once, 'GET', POLICY), code('E_REPLAY'));
    const nonce = randomBytes(16).toString('base64url');
    await server.verifier.verifyClient(c.signed('GET', POLICY, NONE, { nonce }), 'GET', POLICY);
    await assert.rejects(
      server.verifier.verifyClient(a.mac('GET', POLICY, NONE, { nonce }), 'GET', POLICY),
      code('E_REPLAY'),
    );
    await assert.rejects(
      server.verifier.verifyClient(
        a.mac('GET', POLICY, NONE, { timestamp: String(Date.now() - 10 * 60_000) }),
        'GET',
        POLICY,
      ),
      code('E_STALE_REQUEST'),
    );
    await assert.rejects(
      server.verifier.verifyClient(
        a.mac('GET', POLICY, NONE, { timestamp: String(Date.now() + 10 * 60_000) }),
        'GET',
        POLICY,
      ),
      code('E_STALE_REQUEST'),
    );
  });

  it("refuses one client's session under another client's id", async () => {
    const server = mp();
    const a = client(server, 'client-a').openSession();
    client(server, 'client-b').openSession();
    await assert.rejects(
      server.verifier.verifyClient(a.mac('GET', POLICY, NONE, { clientId: 'client-b' }), 'GET', POLICY),
      code('E_SESSION_EXPIRED'),
    );
    await assert.rejects(
      server.verifier.verifyClient(a.mac('GET', POLICY, NONE, { clientId: 'client-c' }), 'GET', POLICY),
      code('E_SESSION_EXPIRED'),
    );
  });

  it('refuses an expired session, a replaced one and one this process never opened, as E_SESSION_EXPIRED', async () => {
    let now = Date.now();
    const server = mp({ ttlMs: 60_000, now: () => now });
    const c = client(server, 'client-a');
    const first = c.openSession();
    const second = c.openSession();
    await assert.rejects(
      server.verifier.verifyClient(first.mac('GET', POLICY, NONE), 'GET', POLICY),
      code('E_SESSION_EXPIRED'),
    );
    await server.verifier.verifyClient(second.mac('GET', POLICY, NONE), 'GET', POLICY);
    now += 60_000;
    await assert.rejects(
      server.verifier.verifyClient(second.mac('GET', POLICY, NONE, { timestamp: String(now) }), 'GET', POLICY),
      code('E_SESSION_EXPIRED'),
    );
    const restarted = mp();
    restarted.known.set('client-a', {
      id: 'client-a',
      siteCode: 'PS1',
      publicKey: pem(generateKeyPairSync('ed25519').publicKey),
      status: 'active',
    });
    await assert.rejects(
      restarted.verifier.verifyClient(second.mac('GET', POLICY, NONE), 'GET', POLICY),
      code('E_SESSION_EXPIRED'),
    );
  });

  it('refuses a session request of a client the site no longer knows, and drops its session', async () => {
    const server = mp();
    const a = client(server, 'client-a').openSession();
    server.known.delete('client-a');
    await assert.rejects(
      server.verifier.verifyClient(a.mac('GET', POLICY, NONE), 'GET', POLICY),
      code('E_UNKNOWN_CLIENT'),
    );
    assert.equal(server.sessions.size, 0);
  });

  it('takes only a signature where one is required (opening a session): a session MAC alone is unsigned', async () => {
    const server = mp();
    const c = client(server, 'client-a');
    const a = c.openSession();
    const body = Buffer.from('{}');
    await assert.rejects(
      server.verifier.verifySigned(a.mac('POST', '/mp/v1/notify/session', body), 'POST', '/mp/v1/notify/session', body),
      code('E_UNSIGNED'),
    );
    assert.equal(
      (
        await server.verifier.verifySigned(
          c.signed('POST', '/mp/v1/notify/session', body),
          'POST',
          '/mp/v1/notify/session',
          body,
        )
      ).id,
      'client-a',
    );
  });

  it('returns how to authenticate the answer: with the session key for a MAC request, with the site signature for a signed one', async () => {
    const server = mp();
    const c = client(server, 'client-a');
    const headers = c.signed('GET', POLICY, NONE);
    const signed = (await server.verifier.verifyClient(headers, 'GET', POLICY)).answer;
    assert.deepEqual(signed, {
      kind: 'signature',
      request: {
        method: 'GET',
        path: POLICY,
        clientId: 'client-a',
        sessionId: '',
        nonce: headers[SIGNATURE_HEADERS.nonce],
      },
    });
    const a = c.openSession();
    const macHeaders = a.mac('GET', POLICY, NONE);
    const mac = (await server.verifier.verifyClient(macHeaders, 'GET', POLICY)).answer;
    assert.equal(mac.kind, 'mac');
    assert.deepEqual(mac.request, {
      method: 'GET',
      path: POLICY,
      clientId: 'client-a',
      sessionId: a.sessionId,
      nonce: macHeaders[SIGNATURE_HEADERS.nonce],
    });
  });

  it("refuses a signed request bound to another process's epoch (sent before a restart, or to another MP) and accepts one bound to its own", async () => {
    const server = mp();
    const c = client(server, 'client-a');
    const random = () => randomBytes(16).toString('base64url');
    const elsewhere = new MpEpoch({ restarted: false });
    await assert.rejects(
      server.verifier.verifyClient(
        c.signed('GET', POLICY, NONE, { nonce: `${elsewhere.id}${random()}` }),
        'GET',
        POLICY,
      ),
      code('E_MP_EPOCH'),
    );
    assert.equal(
      (
        await server.verifier.verifyClient(
          c.signed('GET', POLICY, NONE, { nonce: `${server.epoch.id}${random()}` }),
          'GET',
          POLICY,
        )
      ).id,
      'client-a',
    );
  });

  it('after a restart, takes an unbound signed request only once its timestamp is a full window past the start; the start that created the site takes it at once', async () => {
    const startedAt = Date.now();
    const restarted = mp({}, new MpEpoch({ restarted: true, startedAt }));
    const c = client(restarted, 'client-a');
    await assert.rejects(
      restarted.verifier.verifyClient(
        c.signed('GET', POLICY, NONE, { timestamp: String(startedAt - 1000) }),
        'GET',
        POLICY,
      ),
      code('E_MP_EPOCH'),
    );
    await assert.rejects(
      restarted.verifier.verifyClient(c.signed('GET', POLICY, NONE), 'GET', POLICY),
      code('E_MP_EPOCH'),
    );
    const later = mp({}, new MpEpoch({ restarted: true, startedAt: Date.now() - SIGNATURE_WINDOW_MS }));
    assert.equal(
      (await later.verifier.verifyClient(client(later, 'client-a').signed('GET', POLICY, NONE), 'GET', POLICY)).id,
      'client-a',
    );
    const fresh = mp({}, new MpEpoch({ restarted: false, startedAt }));
    assert.equal(
      (await fresh.verifier.verifyClient(client(fresh, 'client-a').signed('GET', POLICY, NONE), 'GET', POLICY)).id,
      'client-a',
    );
  });

  it('checks the epoch of session openings too, but not of session MACs (a session ends with its process)', async () => {
    const server = mp({}, new MpEpoch({ restarted: true }));
    const c = client(server, 'client-a');
    const body = Buffer.from('{}');
    await assert.rejects(
      server.verifier.verifySigned(
        c.signed('POST', '/mp/v1/notify/session', body),
        'POST',
        '/mp/v1/notify/session',
        body,
      ),
      code('E_MP_EPOCH'),
    );
    const nonce = `${server.epoch.id}${randomBytes(16).toString('base64url')}`;
    assert.equal(
      (
        await server.verifier.verifySigned(
          c.signed('POST', '/mp/v1/notify/session', body, { nonce }),
          'POST',
          '/mp/v1/notify/session',
          body,
        )
      ).id,
      'client-a',
    );
    const a = c.openSession();
    assert.equal((await server.verifier.verifyClient(a.mac('GET', POLICY, NONE), 'GET', POLICY)).id, 'client-a');
  });
});
