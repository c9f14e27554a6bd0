import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { FrameDecoder, type NotifyAction, encodeFrame } from '@siteport/protocol';
import { generateIdentityKeyPem, loadIdentityKey } from '../src/identity-key.js';
import { TcpChannel } from '../src/notify/tcp-channel.js';
import { type TestPki, createTestPki } from './support/test-pki.js';

/**
 * A hostile notification port: real TLS on loopback with the given certificate, which challenges
 * the client, and — when `actionFirst` — pushes a switch-ports action before confirming the
 * client's authentication with `ready`. Records the frame types it received.
 */
async function notificationPort(
  t: { after(fn: () => unknown): void },
  pki: TestPki,
  actionFirst = false,
): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server = tls.createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        received.push(frame.type);
        if (frame.type === 'auth') socket.write(encodeFrame('ready', { keepAliveSeconds: 60 }));
      }
    });
    socket.write(encodeFrame('challenge', { siteCode: 'PS1', nonce: 'c'.repeat(32) }));
    if (actionFirst)
      socket.write(
        encodeFrame('action', {
          id: 'early',
          action: 'switch-ports',
          payload: { http: { default: 1, alternate: null }, https: { default: 2, alternate: null } },
        }),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received };
}

function channel(port: number, caPem: string, actions: NotifyAction[]): TcpChannel {
  return new TcpChannel({
    host: '127.0.0.1',
    port,
    caPem,
    clientId: 'client-1',
    siteCode: 'PS1',
    key: loadIdentityKey(generateIdentityKeyPem()),
    connectTimeoutMs: 3000,
    onAction: (action) => {
      actions.push(action);
      return Promise.resolve();
    },
    onReady: () => undefined,
  });
}

describe('TCP notification channel pinning', () => {
  const site = createTestPki();

  it('connects to a notification port whose certificate the pinned site CA issued for the host, and answers its challenge', async (t) => {
    const mp = await notificationPort(t, site);
    const c = channel(mp.port, site.caPem, []);
    await c.opened;
    c.close('test over');
    assert.deepEqual(mp.received, ['auth']);
  });

  it('refuses a notification port whose certificate another CA issued, before sending anything', async (t) => {
    const other = createTestPki();
    const mp = await notificationPort(t, other);
    await assert.rejects(channel(mp.port, site.caPem, []).opened, /certificate/i);
    assert.deepEqual(mp.received, []);
  });

  it('refuses a certificate of the pinned CA that names another host', async (t) => {
    const elsewhere = createTestPki('DNS:mp.elsewhere.example');
    const mp = await notificationPort(t, elsewhere);
    await assert.rejects(channel(mp.port, elsewhere.caPem, []).opened, /altnames|does not match|Hostname\/IP/i);
    assert.deepEqual(mp.received, []);
  });

  it('runs no action that arrives before the server confirmed the authentication', async (t) => {
    const mp = await notificationPort(t, site, true);
    const actions: NotifyAction[] = [];
    await assert.rejects(channel(mp.port, site.caPem, actions).opened, /unexpected or malformed action frame/);
    assert.deepEqual(actions, []);
  });
});
