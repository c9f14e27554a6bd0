import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import tls from 'node:tls';
import { test } from 'node:test';
import pino from 'pino';
import { FrameDecoder, type NotifyFrame, encodeFrame, framePayloadJson, notifyAuthString } from '@siteport/protocol';
import { until } from '../../../../test-support/notify-fixture.js';
import { tempDir } from '../../../../test-support/temp-dir.js';
import { loadSitePki } from '../pki/site-pki.js';
import type { ClientService } from '../clients/client-service.js';
import { NotificationHub } from './notification-hub.js';
import { type SessionCounters, NotifySession } from './notify-session.js';

test('a session whose client stops reading is dropped once its unsent output passes the bound, and the hub forgets it', async (t) => {
  const pki = await loadSitePki(tempDir(t), 'PS1', ['localhost']);
  const keys = generateKeyPairSync('ed25519');
  const clients = {
    known: (id: string) =>
      Promise.resolve({ id, siteCode: 'PS1', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }) }),
  } as unknown as ClientService;
  const hub = new NotificationHub({ offlineAfterMs: 300_000 });
  const counters: SessionCounters = { notReading: 0, flooding: 0 };
  const sessions: NotifySession[] = [];
  const maxPendingBytes = 64 * 1024;
  const server = tls.createServer(
    { cert: `${pki.certificate}\n${pki.caCertificate}`, key: pki.privateKey },
    (socket) => {
      sessions.push(
        new NotifySession(socket, {
          siteCode: 'PS1',
          hub,
          clients,
          keepAliveSeconds: 60,
          authTimeoutMs: 5000,
          logger: pino({ level: 'silent' }),
          onClose: () => undefined,
          counters,
          limits: { maxPendingBytes, framesPerSecond: 20, frameBurst: 100 },
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());

  const client = tls.connect({
    host: '127.0.0.1',
    port: (server.address() as { port: number }).port,
    ca: pki.caCertificate,
    servername: 'localhost',
  });
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  const decoder = new FrameDecoder();
  const frames: NotifyFrame[] = [];
  client.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  await until('the challenge', () => frames.length > 0, 5000);
  const { nonce } = framePayloadJson(frames[0]!) as { nonce: string };
  const signature = sign(null, Buffer.from(notifyAuthString('PS1', 'c1', nonce)), keys.privateKey);
  client.write(encodeFrame('auth', { clientId: 'c1', signature: signature.toString('base64') }));
  await until('ready', () => hub.channelOf('c1') === 'tcp', 5000);
  client.removeAllListeners('data');
  client.pause();

  // 12 KiB actions to a client that reads nothing: the kernel's socket buffers fill first (a few
  // MiB on loopback), then the session's own buffer, which must not pass the bound by more than a frame.
  const payload = { blob: 'x'.repeat(12 * 1024) };
  let maxPending = 0;
  let pushes = 0;
  const started = Date.now();
  while (hub.channelOf('c1') === 'tcp' && pushes < 4000 && Date.now() - started < 20_000) {
    await hub.deliver(['c1'], { action: 'policy', payload }, 0);
    pushes += 1;
    maxPending = Math.max(maxPending, sessions[0]?.pendingBytes ?? 0);
    if (pushes % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(sessions[0]?.state, 'closed', `dropped after ${pushes} pushes (most unsent ${maxPending} bytes)`);
  assert.ok(maxPending <= maxPendingBytes + 13 * 1024, `unsent output stayed near the bound: ${maxPending}`);
  assert.equal(counters.notReading, 1);
  await until('the hub forgets the channel', () => hub.tcpCount() === 0, 5000);
});
