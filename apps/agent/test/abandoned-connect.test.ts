import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { ClientConfig } from '../src/client-config.js';
import { type FamilyResolver, happyEyeballs, tcpConnector } from '../src/connect/happy-eyeballs.js';
import { MpTransport } from '../src/mp-transport.js';
import { type StalledListener, stalledListener } from '../../../test-support/stalled-listener.js';
import { waitFor } from './support/agent-harness.js';
import { requireTool } from '../../../test-support/require-tool.js';

/**
 * Connection attempts to an address that never answers (a full accept queue drops every SYN, like a
 * dropping firewall) are destroyed as soon as they lose, time out or their request gives up: no
 * socket is left retransmitting SYNs until the system's connect timeout, minutes later.
 */
let stalled: StalledListener;

before(async () => {
  // Without python3 the tests skip (requireTool says how to install it).
  stalled = await stalledListener('127.0.0.2').catch(() => undefined as unknown as StalledListener);
});
after(() => stalled?.close());

const same =
  (count: number): FamilyResolver =>
  (_host, family) =>
    Promise.resolve(family === 4 ? Array.from({ length: count }, () => ({ address: stalled.host, family: 4 })) : []);

describe('abandoned connection attempts', () => {
  it('a request that times out while its connection is still being set up destroys that connection', async (t) => {
    if (!requireTool(t, 'python3', 'apt-get install python3') || !requireTool(t, 'ss', 'apt-get install iproute2'))
      return;
    const config: ClientConfig = {
      schema: 1,
      siteCode: 'PS1',
      managementPoints: [stalled.host],
      internetManagementPoint: null,
      alwaysInternet: false,
      httpOnly: true,
      caFingerprint: null,
      category: 'workgroup',
      ports: { http: { default: stalled.port, alternate: null }, https: { default: 1, alternate: null } },
      clientId: 'client-1',
      settingsVersion: 1,
      communicationMode: 'https-or-http',
      policyIntervalSeconds: 60,
    };
    const transport = new MpTransport({
      config: () => config,
      caPem: () => undefined,
      timeoutMs: 400,
      retryDefaultAfterMs: 300_000,
      onContact: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    t.after(() => transport.close());
    await assert.rejects(transport.request({ method: 'GET', path: '/mp/v1/ca' }), { code: 'E_MP_UNREACHABLE' });
    await waitFor('no connection to the stalled address left', () => stalled.connecting() === 0, 2000);
  });

  it('bounds the attempts in flight and destroys each one that times out', async (t) => {
    if (!requireTool(t, 'python3', 'apt-get install python3') || !requireTool(t, 'ss', 'apt-get install iproute2'))
      return;
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, stalled.connecting())), 20);
    const started = Date.now();
    await assert.rejects(
      happyEyeballs({
        host: 'stalled.test',
        port: stalled.port,
        resolve: same(5),
        connect: tcpConnector,
        close: (s) => s.destroy(),
        attemptDelayMs: 20,
        attemptTimeoutMs: 300,
        maxInFlight: 2,
      }),
      { code: 'ETIMEDOUT' },
    );
    clearInterval(sampler);
    // Five attempts two at a time, each given 300 ms: three rounds, not five attempts at once for minutes.
    assert.ok(Date.now() - started >= 850, `ended after ${Date.now() - started} ms`);
    assert.ok(most >= 1 && most <= 2, `at most 2 attempts connecting at once, saw ${most}`);
    assert.equal(stalled.connecting(), 0);
  });

  it('destroys the attempt that lost the race and every attempt of an aborted race', async (t) => {
    if (!requireTool(t, 'python3', 'apt-get install python3') || !requireTool(t, 'ss', 'apt-get install iproute2'))
      return;
    // A working listener on the same port of another address wins against the stalled one.
    const server = net.createServer((s) => s.destroy());
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port: stalled.port }, () => resolve(true));
    });
    if (listening) {
      const resolve: FamilyResolver = (_h, family) =>
        Promise.resolve(
          family === 4
            ? [
                { address: stalled.host, family: 4 },
                { address: '127.0.0.1', family: 4 },
              ]
            : [],
        );
      const won = await happyEyeballs({
        host: 'mixed.test',
        port: stalled.port,
        resolve,
        connect: tcpConnector,
        close: (s) => s.destroy(),
        attemptDelayMs: 100,
      });
      assert.equal(won.address, '127.0.0.1');
      assert.deepEqual(won.attempted, [stalled.host, '127.0.0.1']);
      won.socket.destroy();
      assert.equal(stalled.connecting(), 0, 'the losing attempt is destroyed');
      await new Promise<void>((r) => server.close(() => r()));
    }

    const controller = new AbortController();
    const race = happyEyeballs({
      host: 'stalled.test',
      port: stalled.port,
      resolve: same(3),
      connect: tcpConnector,
      close: (s) => s.destroy(),
      attemptDelayMs: 20,
      attemptTimeoutMs: 60_000,
      signal: controller.signal,
    });
    await waitFor('attempts connecting', () => stalled.connecting() >= 2, 10_000);
    controller.abort();
    await assert.rejects(race, { code: 'ABORT_ERR' });
    assert.equal(stalled.connecting(), 0, 'every attempt of the aborted race is destroyed');
  });
});
