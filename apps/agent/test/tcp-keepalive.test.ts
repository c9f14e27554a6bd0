import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { FrameDecoder, encodeFrame } from '@siteport/protocol';
import { tcpTimers } from '../../../test-support/tcp-timers.js';
import { generateIdentityKeyPem, loadIdentityKey } from '../src/identity-key.js';
import { TcpChannel } from '../src/notify/tcp-channel.js';
import { createTestPki } from './support/test-pki.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A scripted notification port whose `ready` frame carries `ready`; records the frames it gets. */
async function notificationPort(
  t: { after(fn: () => unknown): void },
  ready: Record<string, unknown>,
): Promise<{ port: number; received: string[] }> {
  const pki = createTestPki();
  const received: string[] = [];
  const server = tls.createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        received.push(frame.type);
        if (frame.type === 'auth') socket.write(encodeFrame('ready', ready));
        if (frame.type === 'ping') socket.write(encodeFrame('pong'));
      }
    });
    socket.write(encodeFrame('challenge', { siteCode: 'PS1', nonce: 'c'.repeat(32) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const channel = new TcpChannel({
    host: '127.0.0.1',
    port,
    caPem: pki.caPem,
    clientId: 'client-1',
    siteCode: 'PS1',
    key: loadIdentityKey(generateIdentityKeyPem()),
    connectTimeoutMs: 3000,
    onAction: () => Promise.resolve(),
    onReady: () => undefined,
  });
  // The channel first: server.close waits for its connections to end.
  t.after(() => {
    channel.close('test over');
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  await channel.opened;
  return { port, received };
}

describe('TCP notification channel keep-alive', { concurrency: true }, () => {
  it('turns on TCP keep-alive with the interval as idle time and sends no ping when the MP says tcpKeepAlive', async (t) => {
    const mp = await notificationPort(t, { keepAliveSeconds: 1, tcpKeepAlive: true });
    await sleep(2500);
    assert.deepEqual(mp.received, ['auth'], 'no ping in two and a half intervals');
    const agentSide = tcpTimers(mp.port).find((c) => c.remotePort === mp.port);
    assert.equal(agentSide?.timer, 'keepalive', JSON.stringify(tcpTimers(mp.port)));
  });

  it('pings every interval when the MP does not say tcpKeepAlive (older MPs, liveness ping)', async (t) => {
    const mp = await notificationPort(t, { keepAliveSeconds: 1 });
    await sleep(2500);
    assert.ok(mp.received.filter((type) => type === 'ping').length >= 2, JSON.stringify(mp.received));
  });
});
