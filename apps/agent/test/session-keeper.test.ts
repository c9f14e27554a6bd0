import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import https from 'node:https';
import { describe, it } from 'node:test';
import { SESSION_HEADERS, SIGNATURE_HEADERS } from '@siteport/protocol';
import { MpClient } from '../src/mp-client.js';
import { SessionKeeper } from '../src/session/session-keeper.js';
import { pinnedHttpsClient } from './support/http-only-client.js';
import { createTestPki } from './support/test-pki.js';

/** The scripted MP's TLS material; the client pins its CA (an MP older than decision 0092 is trusted over TLS only). */
const PKI = createTestPki();

interface Seen {
  path: string;
  auth: 'mac' | 'signature' | 'none';
}

type Sessions = 'requests' | 'polls only' | 'none';

/**
 * A scripted MP on HTTPS (the client pins its CA) that checks no cryptography, only how each request is
 * authenticated: it opens sessions with scope `requests`, without a scope (an MP of the 0060
 * version, long-polls only), or not at all (404, an older MP). `refuseMacs` MAC'd requests are
 * answered E_SESSION_EXPIRED, as after a restart.
 */
async function scriptedMp(
  t: { after(fn: () => unknown): void },
  sessions: Sessions,
  refuseMacs = 0,
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  let refused = 0;
  const server = https.createServer({ key: PKI.serverKeyPem, cert: PKI.serverCertPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const auth =
        req.headers[SESSION_HEADERS.mac] !== undefined
          ? 'mac'
          : req.headers[SIGNATURE_HEADERS.signature] !== undefined
            ? 'signature'
            : 'none';
      seen.push({ path, auth });
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (path === '/mp/v1/notify/session') {
        if (sessions === 'none')
          return json(404, { error: { code: 'E_NOT_FOUND', message: 'no such endpoint /mp/v1/notify/session' } });
        const answer = {
          sessionId: randomBytes(16).toString('base64url'),
          publicKey: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x,
          expiresInSeconds: 3600,
        };
        return json(200, sessions === 'requests' ? { ...answer, scope: 'requests' } : answer);
      }
      if (auth === 'mac' && refused < refuseMacs) {
        refused += 1;
        return json(401, { error: { code: 'E_SESSION_EXPIRED', message: 'no such client session' } });
      }
      if (path === '/mp/v1/heartbeat')
        return json(200, { settingsVersion: 1, observed: { port: 80, protocol: 'http' } });
      return json(200, { actions: [], notificationPort: 1, keepAliveSeconds: 60 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, seen };
}

/** A client against a scripted MP of this kind; its transport is closed after the test. */
async function client(t: { after(fn: () => unknown): void }, sessions: Sessions, refuseMacs = 0) {
  const mp = await scriptedMp(t, sessions, refuseMacs);
  const { key, logger, transport } = pinnedHttpsClient(mp.port, PKI.caPem);
  t.after(() => transport.close());
  const keeper = new SessionKeeper({ logger });
  const beat = () =>
    new MpClient(transport, keeper).heartbeat('client-1', key, {
      settingsVersion: 1,
      agentState: 'running',
      hostname: 'a',
    });
  const poll = () =>
    keeper.request(
      transport,
      { clientId: 'client-1', privateKey: key.privateKey },
      () => ({ method: 'POST', path: '/mp/v1/notify/poll', body: { waitSeconds: 0, acks: [] } }),
      { poll: true },
    );
  return { beat, poll, seen: mp.seen };
}

describe('SessionKeeper', () => {
  it('opens one session before the first request and sends heartbeats with its MAC', async (t) => {
    const c = await client(t, 'requests');
    await c.beat();
    await c.beat();
    await c.poll();
    assert.deepEqual(c.seen, [
      { path: '/mp/v1/notify/session', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'mac' },
      { path: '/mp/v1/heartbeat', auth: 'mac' },
      { path: '/mp/v1/notify/poll', auth: 'mac' },
    ]);
  });

  it('opens a new session and sends the request again, once, when the MP no longer holds the session', async (t) => {
    const c = await client(t, 'requests', 1);
    await c.beat();
    assert.deepEqual(c.seen, [
      { path: '/mp/v1/notify/session', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'mac' },
      { path: '/mp/v1/notify/session', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'mac' },
    ]);
    const d = await client(t, 'requests', 2);
    await assert.rejects(
      d.beat(),
      (error: unknown) => error instanceof Error && 'code' in error && error.code === 'E_SESSION_EXPIRED',
    );
  });

  it('signs heartbeats but MACs long-polls against an MP whose sessions cover long-polls only (decision 0060)', async (t) => {
    const c = await client(t, 'polls only');
    await c.beat();
    await c.poll();
    await c.beat();
    assert.deepEqual(c.seen, [
      { path: '/mp/v1/notify/session', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'signature' },
      { path: '/mp/v1/notify/poll', auth: 'mac' },
      { path: '/mp/v1/heartbeat', auth: 'signature' },
    ]);
  });

  it('signs every request, asking for a session only once, against an MP without sessions', async (t) => {
    const c = await client(t, 'none');
    await c.beat();
    await c.beat();
    await c.poll();
    assert.deepEqual(c.seen, [
      { path: '/mp/v1/notify/session', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'signature' },
      { path: '/mp/v1/heartbeat', auth: 'signature' },
      { path: '/mp/v1/notify/poll', auth: 'signature' },
    ]);
  });
});
