import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  type Connector,
  type FamilyResolver,
  type ResolvedAddress,
  happyEyeballs,
  tcpConnector,
} from './happy-eyeballs.js';

const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });
const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });

function resolver(
  answers: { 4: ResolvedAddress[]; 6: ResolvedAddress[] },
  delays: { 4?: number; 6?: number } = {},
): FamilyResolver {
  return (_host, family) => new Promise((resolve) => setTimeout(() => resolve(answers[family]), delays[family] ?? 0));
}

/** A scripted connector: each address connects after `ms`, fails after `ms` (negative), or never. */
function scripted(plan: Record<string, number | 'never'>) {
  const started: { address: string; at: number }[] = [];
  const aborted: string[] = [];
  const t0 = Date.now();
  const connect: Connector<string> = (target, signal) =>
    new Promise((resolve, reject) => {
      started.push({ address: target.address, at: Date.now() - t0 });
      signal.addEventListener('abort', () => aborted.push(target.address));
      const step = plan[target.address] ?? -1;
      if (step === 'never') return;
      setTimeout(
        () =>
          step >= 0
            ? resolve(target.address)
            : reject(Object.assign(new Error(`refused ${target.address}`), { code: 'ECONNREFUSED' })),
        Math.abs(step),
      );
    });
  return { connect, started, aborted };
}

describe('happyEyeballs', () => {
  it('interleaves the families starting with IPv6 and fails with the last error when none connects', async () => {
    const peer = scripted({});
    await assert.rejects(
      happyEyeballs({
        host: 'mp.example',
        port: 443,
        resolve: resolver({ 6: [v6('fd00::1'), v6('fd00::2')], 4: [v4('10.0.0.1'), v4('10.0.0.2')] }),
        connect: peer.connect,
        close: () => undefined,
      }),
      { code: 'ECONNREFUSED', message: 'refused 10.0.0.2' },
    );
    assert.deepEqual(
      peer.started.map((s) => s.address),
      ['fd00::1', '10.0.0.1', 'fd00::2', '10.0.0.2'],
    );
  });

  it('starts the next attempt after the attempt delay when the previous has not connected, and abandons the loser', async () => {
    const peer = scripted({ 'fd00::1': 'never', '10.0.0.1': 5 });
    const winner = await happyEyeballs({
      host: 'mp.example',
      port: 443,
      resolve: resolver({ 6: [v6('fd00::1')], 4: [v4('10.0.0.1')] }),
      connect: peer.connect,
      close: () => undefined,
      attemptDelayMs: 100,
    });
    assert.equal(winner.family, 4);
    assert.equal(winner.address, '10.0.0.1');
    assert.deepEqual(winner.attempted, ['fd00::1', '10.0.0.1']);
    assert.ok((peer.started[1]?.at ?? 0) >= 90, `second attempt at ${peer.started[1]?.at} ms`);
    assert.deepEqual(peer.aborted, ['fd00::1']);
  });

  it('lets the first connection win and closes one that connects later', async () => {
    const peer = scripted({ 'fd00::1': 200, '10.0.0.1': 10 });
    const closed: string[] = [];
    const winner = await happyEyeballs({
      host: 'mp.example',
      port: 443,
      resolve: resolver({ 6: [v6('fd00::1')], 4: [v4('10.0.0.1')] }),
      // Ignores the abandonment so the loser connects later and must be closed.
      connect: (target) => peer.connect(target, new AbortController().signal),
      close: (socket) => closed.push(socket),
      attemptDelayMs: 50,
    });
    assert.equal(winner.address, '10.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(closed, ['fd00::1']);
  });

  it('prefers IPv6 when it resolves within the resolution delay after IPv4', async () => {
    const peer = scripted({ 'fd00::1': 5, '10.0.0.1': 5 });
    const winner = await happyEyeballs({
      host: 'mp.example',
      port: 443,
      resolve: resolver({ 6: [v6('fd00::1')], 4: [v4('10.0.0.1')] }, { 4: 0, 6: 20 }),
      connect: peer.connect,
      close: () => undefined,
      resolutionDelayMs: 200,
    });
    assert.equal(winner.family, 6);
    assert.equal(peer.started[0]?.address, 'fd00::1');
  });

  it('uses IPv4 alone for a host with no IPv6 address, and fails with ENOTFOUND for one with none', async () => {
    const peer = scripted({ '10.0.0.1': 1 });
    const winner = await happyEyeballs({
      host: 'v4only.example',
      port: 80,
      resolve: resolver({ 6: [], 4: [v4('10.0.0.1')] }),
      connect: peer.connect,
      close: () => undefined,
    });
    assert.equal(winner.family, 4);
    await assert.rejects(
      happyEyeballs({
        host: 'none.example',
        port: 80,
        resolve: resolver({ 6: [], 4: [] }),
        connect: peer.connect,
        close: () => undefined,
      }),
      { code: 'ENOTFOUND' },
    );
  });

  it('connects to an address literal directly', async () => {
    const peer = scripted({ '::1': 1 });
    const winner = await happyEyeballs({ host: '::1', port: 80, connect: peer.connect, close: () => undefined });
    assert.deepEqual(winner, { socket: '::1', address: '::1', family: 6, attempted: ['::1'] });
  });

  it('falls back from a refused IPv6 address to IPv4 at once over real sockets', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const winner = await happyEyeballs({
        host: 'mp.test',
        port,
        resolve: resolver({ 6: [v6('::1')], 4: [v4('127.0.0.1')] }),
        connect: tcpConnector,
        close: (socket) => socket.destroy(),
        attemptDelayMs: 5000,
      });
      winner.socket.destroy();
      assert.equal(winner.family, 4);
      assert.ok(Date.now() - started < 4000, 'a refusal starts the next attempt without waiting for the delay');
    } finally {
      server.close();
    }
  });
});
