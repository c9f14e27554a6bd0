// Liveness `tcp` of the notification channel (decision 0108) against real sockets: the listener
// turns on TCP keep-alive with the configured delay on every accepted connection, tells the agent
// not to ping, drops no silent session, and — in a network namespace of its own where nftables
// drops the connection's packets — the kernel finds the dead peer and the session ends (about 11 s:
// the three tests run at once).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { FrameDecoder, type NotifyFrame, encodeFrame, framePayloadJson, notifyAuthString } from '@siteport/protocol';
import { tcpTimers } from '../../../test-support/tcp-timers.js';
import type { ClientService } from '../src/clients/index.js';
import type { ListenerLimits } from '../src/net/index.js';
import { NotificationHub } from '../src/notify/notification-hub.js';
import { NotificationListener, type NotifyLiveness } from '../src/notify/notification-listener.js';
import type { SiteEvents } from '../src/site/index.js';

const CHILD = 'SITEPORT_KEEPALIVE_NETNS_CHILD';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A self-signed P-256 certificate for the listener (the client does not check it here). */
function certificate(): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-keepalive-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
      ]),
      { cwd: dir, stdio: 'pipe' },
    );
    return {
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A listener of one registered client on a free loopback port, with the given liveness. */
async function startListener(liveness: NotifyLiveness, keepAliveSeconds: number) {
  const pki = certificate();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const hub = new NotificationHub({ offlineAfterMs: 1000 });
  const port = await freePort();
  const listener = new NotificationListener({
    siteCode: 'PS1',
    bindHost: '127.0.0.1',
    tls: pki,
    hub,
    clients: {
      known: () =>
        Promise.resolve({ id: 'c1', siteCode: 'PS1', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) }),
    } as unknown as ClientService,
    keepAliveSeconds,
    liveness,
    authTimeoutMs: 5000,
    wantedPorts: () => Promise.resolve([port]),
    events: { settlePortsChange: () => () => undefined } as unknown as SiteEvents,
    logger: pino({ level: 'silent' }),
    connectionLimits: {
      gate: { attach: () => undefined } as unknown as ListenerLimits['gate'],
      handshakeTimeoutMs: 5000,
    },
  });
  await listener.start();
  return { listener, hub, port, privateKey };
}

/** A client that authenticates like an agent, then sends nothing; resolves with its ready frame. */
async function connectSilent(
  port: number,
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'],
): Promise<{ socket: tls.TLSSocket; ready: Record<string, unknown>; frames: NotifyFrame['type'][] }> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  socket.on('error', () => undefined);
  const decoder = new FrameDecoder();
  const frames: NotifyFrame['type'][] = [];
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.on('close', () => reject(new Error('closed before ready')));
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        frames.push(frame.type);
        if (frame.type === 'challenge') {
          const { nonce } = framePayloadJson(frame) as { nonce: string };
          const signature = sign(null, Buffer.from(notifyAuthString('PS1', 'c1', nonce)), privateKey);
          socket.write(encodeFrame('auth', { clientId: 'c1', signature: signature.toString('base64') }));
        } else if (frame.type === 'ready') resolve(framePayloadJson(frame));
      }
    });
  });
  return { socket, ready, frames };
}

/** In the namespace: the peer's packets are dropped; how long until the listener ends the session. */
async function deadPeerScenario(): Promise<void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const { listener, hub, port, privateKey } = await startListener('tcp', 1);
  const { socket } = await connectSilent(port, privateKey);
  await sleep(200);
  execFileSync('nft', ['-f', '-'], {
    input: `table inet drop_peer {\n chain input {\n  type filter hook input priority -10; policy accept;\n  tcp dport ${port} drop\n  tcp sport ${port} drop\n }\n}\n`,
  });
  const t0 = Date.now();
  while (listener.connectionCount() > 0 && Date.now() - t0 < 25_000) await sleep(50);
  console.log(
    JSON.stringify({ endedAfterMs: Date.now() - t0, open: listener.connectionCount(), channel: hub.channelOf('c1') }),
  );
  socket.destroy();
  await listener.stop();
}

if (process.env[CHILD] === '1') {
  await deadPeerScenario();
} else {
  describe('notification channel with TCP keep-alive (liveness tcp)', { concurrency: true }, () => {
    it('turns on TCP keep-alive with the configured delay on each accepted connection and tells the agent not to ping', async (t) => {
      const { listener, port, privateKey } = await startListener('tcp', 60);
      t.after(() => listener.stop());
      const { socket, ready } = await connectSilent(port, privateKey);
      t.after(() => socket.destroy());
      // Once the ready frame is acknowledged, the only timer left on an idle connection is keep-alive.
      await sleep(300);
      assert.deepEqual(ready, { keepAliveSeconds: 60, tcpKeepAlive: true });
      // The accepted end of this very connection (other processes may hold loopback connections too).
      const accepted = tcpTimers(port).find((c) => c.localPort === port && c.remotePort === socket.localPort);
      assert.equal(accepted?.timer, 'keepalive', JSON.stringify(tcpTimers(port)));
      // Armed when the connection was accepted: at most 60 s away, less the handshake and authentication.
      assert.ok(accepted.inSeconds > 40 && accepted.inSeconds <= 60, `keep-alive fires in ${accepted.inSeconds} s`);
    });

    it('keeps a silent session open and online past three intervals and the offline window, where ping liveness drops it', async (t) => {
      const tcp = await startListener('tcp', 1);
      const ping = await startListener('ping', 1);
      t.after(() => Promise.all([tcp.listener.stop(), ping.listener.stop()]));
      const a = await connectSilent(tcp.port, tcp.privateKey);
      const b = await connectSilent(ping.port, ping.privateKey);
      t.after(() => [a.socket.destroy(), b.socket.destroy()]);
      assert.deepEqual(b.ready, { keepAliveSeconds: 1 });
      await sleep(300);
      assert.equal(
        tcpTimers(ping.port).find((c) => c.localPort === ping.port && c.remotePort === b.socket.localPort)?.timer,
        'none',
        'no keep-alive with ping liveness',
      );
      await sleep(4500);
      assert.equal(tcp.listener.connectionCount(), 1);
      assert.equal(tcp.hub.channelOf('c1'), 'tcp', 'online while the kernel holds the connection');
      assert.equal(ping.listener.connectionCount(), 0, 'the sweep dropped the silent ping-liveness session');
    });

    it('ends the session when the peer stops answering: nftables drops its packets, the kernel probes, the connection closes', async (t) => {
      const probe = spawnSync('unshare', ['-rn', 'true']);
      if (probe.status !== 0 || spawnSync('nft', ['--version']).status !== 0) {
        t.skip('needs unshare -rn (a network namespace of our own) and nftables');
        return;
      }
      // In a child of its own namespace (and loopback), so the rule touches nothing else on the machine.
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('unshare', ['-rn', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url)], {
          env: { ...process.env, [CHILD]: '1' },
          timeout: 40_000,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
        endedAfterMs: number;
        open: number;
        channel: string | null;
      };
      assert.equal(result.open, 0, 'the dead connection was closed');
      assert.notEqual(result.channel, 'tcp');
      // Node 20's libuv sets the probe interval (1 s) and count (10) with the idle time: idle 1 s,
      // then ten unanswered probes a second apart, whatever the net.ipv4.tcp_keepalive_* settings.
      assert.ok(result.endedAfterMs >= 8000 && result.endedAfterMs < 16_000, `ended after ${result.endedAfterMs} ms`);
    });
  });
}
