import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import {
  FrameDecoder,
  type NotifyFrame,
  type NotifyResult,
  encodeFrame,
  framePayloadJson,
  notifyAuthString,
} from '@siteport/protocol';
import { startNotifyAgent, until } from '../../../test-support/notify-fixture.js';
import { type TestServer, startTestServer } from '../../../test-support/test-server.js';

/** A raw TLS peer on the notification port that records frames and whether the server closed. */
async function rawPeer(srv: TestServer) {
  const ca = readFileSync(path.join(srv.dataDir, 'pki', 'ca.pem'), 'utf8');
  const socket = tls.connect({ host: '127.0.0.1', port: srv.server.info.ports.notification, ca });
  const frames: NotifyFrame[] = [];
  const decoder = new FrameDecoder();
  let closed = false;
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await until('the challenge', () => frames.some((f) => f.type === 'challenge'), 5000);
  const challenge = framePayloadJson(frames[0]!) as { siteCode: string; nonce: string };
  return {
    socket,
    challenge,
    frames,
    isClosed: () => closed,
    /** Waits for the server's error frame and the close, returning the error code. */
    async rejected(): Promise<string> {
      await until('an error frame and the close', () => closed && frames.some((f) => f.type === 'error'), 5000);
      return String(framePayloadJson(frames.find((f) => f.type === 'error')!).code);
    },
  };
}

describe('notification port hardening', () => {
  it('rejects malformed, oversized, wrong-version and unauthenticated connections and keeps serving the others', async (t) => {
    const srv = await startTestServer(t, { notifyKeepAliveSeconds: 1 });
    const { agent, clientId } = await startNotifyAgent(t, srv);
    await until('the TCP channel', () => agent.notification?.state === 'tcp');

    const wrongVersion = await rawPeer(srv);
    const v2 = encodeFrame('auth', { clientId, signature: 'x' });
    v2[4] = 2;
    wrongVersion.socket.write(v2);
    assert.equal(await wrongVersion.rejected(), 'E_NOTIFY_VERSION');

    const oversized = await rawPeer(srv);
    oversized.socket.write(Buffer.from([0x00, 0x10, 0x00, 0x00, 1, 2]));
    assert.equal(await oversized.rejected(), 'E_NOTIFY_TOO_LARGE');

    const garbage = await rawPeer(srv);
    garbage.socket.write(Buffer.from([0, 0, 0, 2, 1, 77]));
    assert.equal(await garbage.rejected(), 'E_NOTIFY_FRAME');

    const notJson = await rawPeer(srv);
    notJson.socket.write(encodeFrame('auth', new TextEncoder().encode('{not json')));
    assert.equal(await notJson.rejected(), 'E_NOTIFY_FRAME');

    const pingFirst = await rawPeer(srv);
    pingFirst.socket.write(encodeFrame('ping'));
    assert.equal(await pingFirst.rejected(), 'E_NOTIFY_AUTH');

    const unknown = await rawPeer(srv);
    unknown.socket.write(encodeFrame('auth', { clientId: 'not-registered', signature: 'AAAA' }));
    assert.equal(await unknown.rejected(), 'E_NOTIFY_AUTH');

    // The right client id, signed with another key: an impostor.
    const impostor = await rawPeer(srv);
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = sign(
      null,
      Buffer.from(notifyAuthString(impostor.challenge.siteCode, clientId, impostor.challenge.nonce)),
      other,
    );
    impostor.socket.write(encodeFrame('auth', { clientId, signature: forged.toString('base64') }));
    assert.equal(await impostor.rejected(), 'E_NOTIFY_AUTH');

    const silent = await rawPeer(srv);
    silent.socket.write(Buffer.from([0, 0]));
    assert.ok(!silent.isClosed());
    silent.socket.destroy();

    // The real agent's session was never disturbed and still acknowledges over TCP.
    assert.equal(agent.notification?.state, 'tcp');
    const res = await srv.admin<NotifyResult>('POST', '/notify', { clients: [clientId], action: 'policy' });
    assert.deepEqual(res.body.results, [{ clientId, outcome: 'acknowledged', via: 'tcp' }]);
    const health = await srv.admin<{ status: string }>('GET', '/health');
    assert.equal(health.body.status, 'ok');
  });

  it('closes a connection that never authenticates within the time allowed', async (t) => {
    const srv = await startTestServer(t);
    const peer = await rawPeer(srv);
    // authTimeoutMs is 10 s in the server wiring.
    assert.equal(
      await (async () => {
        await until('the auth timeout', () => peer.isClosed(), 15_000);
        return String(framePayloadJson(peer.frames.find((f) => f.type === 'error')!).code);
      })(),
      'E_NOTIFY_AUTH',
    );
  });
});
