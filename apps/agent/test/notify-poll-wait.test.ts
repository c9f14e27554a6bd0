import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import { describe, it } from 'node:test';
import { SESSION_HEADERS, SIGNATURE_HEADERS } from '@siteport/protocol';
import { NotificationClient } from '../src/notify/notification-client.js';
import { SessionKeeper } from '../src/session/session-keeper.js';
import { pinnedHttpsClient } from './support/http-only-client.js';
import { createTestPki } from './support/test-pki.js';

/** The scripted MP's TLS material; the client pins its CA (an MP older than decision 0092 is trusted over TLS only). */
const PKI = createTestPki();

interface SeenPoll {
  waitSeconds: number;
  session: boolean;
  signed: boolean;
}

/**
 * A scripted management point on HTTPS (the client pins its CA): opens client sessions (or answers 404 like an MP
 * that predates them), and treats polls by `onPoll`.
 */
async function scriptedMp(
  t: { after(fn: () => unknown): void },
  options: { sessions: boolean; onPoll: (poll: SeenPoll, req: http.IncomingMessage, res: http.ServerResponse) => void },
): Promise<{ port: number; polls: SeenPoll[] }> {
  const polls: SeenPoll[] = [];
  const server = https.createServer({ key: PKI.serverKeyPem, cert: PKI.serverCertPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { waitSeconds?: number };
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/mp/v1/notify/session') {
        if (!options.sessions)
          return json(404, { error: { code: 'E_NOT_FOUND', message: 'no such endpoint /mp/v1/notify/session' } });
        const own = generateKeyPairSync('x25519');
        return json(200, {
          sessionId: randomBytes(16).toString('base64url'),
          publicKey: own.publicKey.export({ format: 'jwk' }).x,
          expiresInSeconds: 3600,
        });
      }
      const poll = {
        waitSeconds: body.waitSeconds ?? -1,
        session: req.headers[SESSION_HEADERS.session] !== undefined,
        signed: req.headers[SIGNATURE_HEADERS.signature] !== undefined,
      };
      polls.push(poll);
      options.onPoll(poll, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, polls };
}

function answerAfter(res: http.ServerResponse, seconds: number): void {
  setTimeout(() => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ actions: [], notificationPort: 1, keepAliveSeconds: 60 }));
  }, seconds * 1000);
}

function notificationClient(t: { after(fn: () => unknown): void }, port: number): NotificationClient {
  const { key, logger, transport } = pinnedHttpsClient(port, PKI.caPem);
  const client = new NotificationClient({
    hosts: () => ['127.0.0.1'],
    clientId: () => 'client-1',
    siteCode: () => 'PS1',
    key: () => key,
    // No pinned CA: the TCP channel is never tried, the client long-polls.
    caPem: () => undefined,
    transport,
    sessions: new SessionKeeper({ logger }),
    onAction: () => Promise.resolve(),
    logger,
    pollWaitSeconds: 3,
    safePollWaitSeconds: 1,
    reconnectBaseMs: 50,
    reconnectMaxMs: 100,
  });
  client.start();
  t.after(() => client.stop());
  return client;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('long-poll wait', () => {
  it('falls back to the safe wait after a long-poll is cut on the way past it, and keeps polling', async (t) => {
    // Like a proxy that closes connections idle for 1.5 s: longer polls are cut, shorter ones pass.
    const mp = await scriptedMp(t, {
      sessions: true,
      onPoll: (poll, req, res) => {
        if (poll.waitSeconds > 1) setTimeout(() => req.socket.destroy(), 1500);
        else answerAfter(res, poll.waitSeconds);
      },
    });
    const client = notificationClient(t, mp.port);
    assert.equal(client.pollWaitSeconds, 3);
    await until('three polls after the cut one', () => mp.polls.length >= 4);
    assert.equal(mp.polls[0]!.waitSeconds, 3);
    assert.ok(
      mp.polls.slice(1).every((p) => p.waitSeconds === 1),
      JSON.stringify(mp.polls),
    );
    assert.ok(
      mp.polls.every((p) => p.session && !p.signed),
      'polls carry the session MAC',
    );
    assert.equal(client.pollWaitSeconds, 1);
    assert.equal(client.state, 'polling');
  });

  it('keeps the long wait when a poll fails quickly (an MP restarting, not an idle cut-off)', async (t) => {
    let refused = 0;
    const mp = await scriptedMp(t, {
      sessions: true,
      onPoll: (poll, req, res) => {
        if (refused < 2) {
          refused += 1;
          req.socket.destroy();
        } else answerAfter(res, 0.2);
      },
    });
    const client = notificationClient(t, mp.port);
    await until('polls after the failures', () => mp.polls.length >= 4);
    assert.ok(
      mp.polls.every((p) => p.waitSeconds === 3),
      JSON.stringify(mp.polls),
    );
    assert.equal(client.pollWaitSeconds, 3);
  });

  it('signs polls with no more than the safe wait against a management point without client sessions', async (t) => {
    const mp = await scriptedMp(t, { sessions: false, onPoll: (_poll, _req, res) => answerAfter(res, 0.2) });
    notificationClient(t, mp.port);
    await until('two polls', () => mp.polls.length >= 2);
    assert.deepEqual(mp.polls.slice(0, 2), [
      { waitSeconds: 1, session: false, signed: true },
      { waitSeconds: 1, session: false, signed: true },
    ]);
  });
});
