import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readClientStatus, runSetup } from '@siteport/agent';
import type { PortsView } from '@siteport/protocol';
import { runCli, startCli } from '../test-support/run-cli.js';
import { type HasAfter, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait-for.js';

/** The open-file limit the server runs under: the production limit (20,000) scaled down so a test can pass it. */
const OPEN_FILES = 1024;

interface LimitedServer {
  adminUrl: string;
  ports: PortsView;
  caFingerprint: string;
  /** GET /api/v1/health within 5 s; the status, or the error. */
  health: () => Promise<number | string>;
  stderr: () => string;
}

/** `siteport server` on loopback under `prlimit --nofile=1024`, with the given extra flags. */
async function limitedServer(t: HasAfter, extra: string[]): Promise<LimitedServer> {
  const dataDir = tempDir(t);
  const run = startCli(
    // prettier-ignore
    ['server', '--data', dataDir, '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--notification-port', '0', '--bind', '127.0.0.1', '--policy-interval', '1', '--log-level', 'warn', ...extra],
    /client communication mode/,
    { prefix: ['prlimit', `--nofile=${OPEN_FILES}:${OPEN_FILES}`] },
  );
  t.after(async () => {
    if (run.child.exitCode !== null || run.child.signalCode !== null) return;
    const exited = new Promise((resolve) => run.child.once('exit', resolve));
    run.child.kill('SIGKILL');
    await exited;
  });
  const banner = await run.started;
  const adminUrl = /admin API: (http:\/\/[^/\s]+)/.exec(banner)?.[1] ?? '';
  const caFingerprint = /SMSCAFINGERPRINT\): (\S+)/.exec(banner)?.[1] ?? '';
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  const get = (p: string): Promise<Response> =>
    fetch(`${adminUrl}/api/v1${p}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5000),
    });
  const ports = (await (await get('/sites/PS1/ports')).json()) as PortsView;
  return {
    adminUrl,
    ports,
    caFingerprint,
    health: () =>
      get('/health').then(
        (r) => r.status,
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
    stderr: () => run.output().stderr,
  };
}

/** Idle connections an attacker opened: how many the server still holds open. */
interface Held {
  sockets: net.Socket[];
  open: () => number;
}

/**
 * Opens `count` TCP connections from `localAddress` to a loopback port, 50 at a time, each sending
 * one byte and then nothing; every connect is bounded by 2 s. Resolves once all are settled and
 * 300 ms have passed, so connections the server refuses at once are closed by then.
 */
async function flood(t: HasAfter, port: number, localAddress: string, count: number, byte: string): Promise<Held> {
  const sockets: net.Socket[] = [];
  const closed = new Set<net.Socket>();
  t.after(() => sockets.forEach((s) => s.destroy()));
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, () => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress });
      sockets.push(socket);
      socket.on('error', () => undefined);
      // Read (and drop) what the server answers, so its close is seen.
      socket.resume();
      socket.on('close', () => closed.add(socket));
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        socket.once('connect', () => {
          socket.write(byte);
          clearTimeout(timer);
          resolve();
        });
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
    await Promise.all(batch);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { sockets, open: () => sockets.length - closed.size };
}

/** Whether a new connection from `localAddress` is closed by the server within 1 s (refused). */
function refused(port: number, localAddress: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 1000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Installs and starts a real agent process against the server; resolves with its state dir. */
function startAgent(t: HasAfter, srv: LimitedServer): string {
  const stateDir = path.join(tempDir(t), 'client');
  runSetup({
    stateDir,
    // prettier-ignore
    properties: ['SMSSITECODE=PS1', 'SMSMP=127.0.0.1', `CCMHTTPPORT=${srv.ports.http.default}`, `CCMHTTPSPORT=${srv.ports.https.default}`, `SMSCAFINGERPRINT=${srv.caFingerprint}`],
    httpOnly: false,
  });
  const agent = startCli(['agent', '--state', stateDir, '--log-level', 'warn'], /$^/);
  agent.started.catch(() => undefined);
  t.after(() => void agent.child.kill('SIGTERM'));
  return stateDir;
}

/** Waits until the agent registered and checked in over HTTPS. */
function checkedIn(stateDir: string, timeoutMs: number): Promise<unknown> {
  return waitFor(
    'the agent to register and check in over HTTPS',
    () => {
      const status = readClientStatus(stateDir);
      return status.state === 'running' && status.lastContact?.protocol === 'https' ? status : undefined;
    },
    timeoutMs,
    200,
  );
}

describe('connection limits', () => {
  it('refuses to start with caps that do not fit under the open-file limit, saying what to lower', async (t) => {
    const dataDir = tempDir(t);
    // prettier-ignore
    const run = await runCli(['server', '--data', dataDir, '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--notification-port', '0', '--bind', '127.0.0.1', '--max-client-connections', '900'], { prefix: ['prlimit', `--nofile=${OPEN_FILES}:${OPEN_FILES}`] });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /E_OPTION: this process may open 1024 files; 900 client connections \+ 128 admin connections \+ 512 .*lower --max-client-connections to 384 or less/,
    );
  });

  it('a flood of idle connections from one address past the open-file limit leaves a real agent and the admin API served, with the default caps', async (t) => {
    // Default caps; only the handshake timeout is long, so the attacker holds its connections for the whole test.
    const srv = await limitedServer(t, ['--tls-handshake-timeout', '120']);
    // 1,100 connections from one address: more than the server process may hold open files.
    const attack = await flood(t, srv.ports.https.default, '127.0.0.2', 1100, '\x16');
    const stateDir = startAgent(t, srv);
    await checkedIn(stateDir, 30_000);
    assert.equal(await srv.health(), 200, 'the admin API answers while the attacker holds its connections');
    // Defaults under 1,024 files: 384 client connections (1024 - 128 admin - 512 reserved), 96 per source.
    assert.equal(attack.open(), 96, 'the attacker held the per-source cap all along, and no more');
    assert.match(srv.stderr(), /refusing request connections from 127\.0\.0\.2/);
    assert.doesNotMatch(srv.stderr(), /EMFILE/, 'the server never ran out of descriptors');
  });

  it('caps each source and the client listeners together, and keeps the admin listener reachable when they are full', async (t) => {
    // prettier-ignore
    const srv = await limitedServer(t, ['--max-client-connections', '200', '--max-connections-per-source', '60', '--max-admin-connections', '16', '--tls-handshake-timeout', '120', '--headers-timeout', '120', '--request-timeout', '120']);
    const { http, https, notification } = {
      http: srv.ports.http.default,
      https: srv.ports.https.default,
      notification: srv.ports.notification,
    };
    const one = await flood(t, https, '127.0.0.3', 100, '\x16');
    assert.equal(one.open(), 60, 'one address holds the per-source cap on the request ports');
    const onNotify = await flood(t, notification, '127.0.0.3', 30, '\x16');
    assert.equal(onNotify.open(), 30, 'the notification port counts the same address apart');
    const others = [
      await flood(t, http, '127.0.0.4', 60, 'G'),
      await flood(t, https, '127.0.0.5', 60, '\x16'),
      await flood(t, notification, '127.0.0.6', 60, '\x16'),
    ];
    const held = one.open() + onNotify.open() + others.reduce((n, h) => n + h.open(), 0);
    assert.equal(held, 200, 'request and notification listeners together hold the client cap');
    assert.equal(await refused(https, '127.0.0.8'), true, 'a new client connection is refused while the cap is held');
    const onAdmin = await flood(t, Number(new URL(srv.adminUrl).port), '127.0.0.7', 20, 'G');
    assert.equal(onAdmin.open(), 8, 'one address holds half the admin cap');
    assert.equal(await srv.health(), 200, 'the admin API answers with every client slot taken');
    assert.match(
      srv.stderr(),
      /refusing (request|notification) connections: 200 are open, the cap \(--max-client-connections\)/,
    );
  });

  it('cuts connections that stall in the TLS handshake, the headers, the body or idle between requests, and a real agent then checks in', async (t) => {
    // prettier-ignore
    const srv = await limitedServer(t, ['--tls-handshake-timeout', '2', '--headers-timeout', '2', '--request-timeout', '3', '--keep-alive-timeout', '2']);
    const { http, https, notification } = {
      http: srv.ports.http.default,
      https: srv.ports.https.default,
      notification: srv.ports.notification,
    };
    const adminPort = Number(new URL(srv.adminUrl).port);
    const started = Date.now();
    const floods = [
      await flood(t, https, '127.0.0.3', 20, '\x16'),
      await flood(t, http, '127.0.0.3', 20, 'G'),
      await flood(t, notification, '127.0.0.3', 20, '\x16'),
      await flood(t, adminPort, '127.0.0.3', 20, 'G'),
    ];
    await waitFor('every stalled connection cut', () => floods.every((f) => f.open() === 0), 10_000, 100).catch(
      (e: unknown) => {
        throw new Error(`still open (https, http, notification, admin): ${floods.map((f) => f.open()).join(', ')}`, {
          cause: e,
        });
      },
    );
    assert.ok(Date.now() - started < 9000, "cut within seconds of the 2 s timeouts, not after Node's defaults");

    const keepAlive = net.connect({ host: '127.0.0.1', port: http });
    keepAlive.on('error', () => undefined);
    let answer = '';
    keepAlive.on('data', (d: Buffer) => (answer += d.toString()));
    keepAlive.write('GET /mp/v1/ca HTTP/1.1\r\nHost: mp\r\n\r\n');
    const idleSince = Date.now();
    await waitFor('the idle keep-alive connection closed', () => keepAlive.closed || undefined, 10_000, 100);
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.ok(Date.now() - idleSince < 6000, 'closed about 2 s after its answer');

    const stalled = net.connect({ host: '127.0.0.1', port: http });
    stalled.on('error', () => undefined);
    let stalledAnswer = '';
    stalled.on('data', (d: Buffer) => (stalledAnswer += d.toString()));
    stalled.write(
      'POST /mp/v1/register HTTP/1.1\r\nHost: mp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"',
    );
    await waitFor('the stalled request cut at the request timeout', () => stalled.closed || undefined, 10_000, 100);
    assert.match(stalledAnswer, /^HTTP\/1\.1 408/);

    const stateDir = startAgent(t, srv);
    await checkedIn(stateDir, 30_000);
  });
});
