// The floor of a fan-out to a whole site on this machine: S bare Node.js TLS server
// processes hold N connections in all, from R reading processes on the same machine; every server
// writes one 60-byte frame to each of its connections at the same moment, every reader answers each
// frame at once with 40 bytes (as a client acknowledges an action), and every server reads the
// answers. Reports the delivery time of each frame (p50/p99/max from the moment the servers are
// told to write), when the last server had every answer, and the CPU both sides spent. No siteport
// code runs: this is what Node.js TLS alone costs for the exchange siteport's fan-out makes.
//
//   node bench/bare-site-fanout.mjs DATA_DIR [N=150000] [S=9] [R=15] [ROUNDS=2]
//
// DATA_DIR is any siteport data directory (its pki/ gives the certificate). Loopback only: servers
// on 127.0.1.x, readers from 127.0.3.x; bounded by N (each process at most 19,000 connections).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const FRAME = Buffer.alloc(60, 1);
const ANSWER = Buffer.alloc(40, 2);
const MAX_PER_PROCESS = 19_000;
const role = process.env.BARE_SITE_ROLE;

/** Waits for the next message of a child process that matches `type`. */
function next(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`a ${role ?? 'child'} process exited with ${code}`)));
  });
}

function cpuMs(mark) {
  const used = process.cpuUsage(mark);
  return (used.user + used.system) / 1000;
}

if (role === 'server') {
  const { host, cert, key, expected } = JSON.parse(process.env.BARE_SITE_CONFIG);
  const sockets = [];
  let answered = 0;
  let target = Infinity;
  let onAllAnswered = () => undefined;
  const server = tls.createServer({ cert, key }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('data', (d) => {
      answered += d.length / ANSWER.length;
      if (answered >= target) onAllAnswered();
    });
  });
  server.maxConnections = expected + 100;
  await new Promise((resolve) => server.listen(0, host, resolve));
  process.send({ type: 'listening', port: server.address().port });
  process.on('message', (m) => {
    if (m.type !== 'write') return;
    const mark = process.cpuUsage();
    answered = 0;
    target = sockets.length;
    const started = Date.now();
    for (const s of sockets) s.write(FRAME);
    const writeMs = Date.now() - started;
    onAllAnswered = () => {
      onAllAnswered = () => undefined;
      process.send({ type: 'answered', at: Date.now(), writeMs, connections: sockets.length, cpuMs: cpuMs(mark) });
    };
    if (answered >= target) onAllAnswered();
  });
  process.on('disconnect', () => process.exit(0));
} else if (role === 'reader') {
  const { targets, count, localAddress, ca } = JSON.parse(process.env.BARE_SITE_CONFIG);
  const secureContext = tls.createSecureContext({ ca });
  let received = [];
  let failed = 0;
  let firstError;
  let nextIndex = 0;
  const lane = async () => {
    while (nextIndex < count) {
      const target = targets[nextIndex++ % targets.length];
      await new Promise((resolve) => {
        // The chain is verified; the name is not (the site certificate names the site server's host, not 127.0.1.x).
        const s = tls.connect(
          { host: target.host, port: target.port, secureContext, localAddress, checkServerIdentity: () => undefined },
          resolve,
        );
        s.once('error', (error) => {
          failed += 1;
          firstError ??= error.message;
          resolve();
        });
        s.on('data', () => {
          received.push(Date.now());
          s.write(ANSWER);
        });
      });
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  process.send({ type: 'connected', connected: count - failed, failed, firstError });
  let mark = process.cpuUsage();
  process.on('message', (m) => {
    if (m.type === 'mark') mark = process.cpuUsage();
    if (m.type !== 'report') return;
    process.send({ type: 'report', received, cpuMs: cpuMs(mark) });
    received = [];
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const [dir, n = '150000', s = '9', r = '15', rounds = '2'] = process.argv.slice(2);
  const [N, S, R, ROUNDS] = [Number(n), Number(s), Number(r), Number(rounds)];
  if (
    dir === undefined ||
    !(N > 0) ||
    !(S > 0 && S <= 32) ||
    !(R > 0 && R <= 64) ||
    N / S > MAX_PER_PROCESS ||
    N / R > MAX_PER_PROCESS ||
    !(ROUNDS > 0 && ROUNDS <= 5)
  ) {
    console.error(
      `usage: node bench/bare-site-fanout.mjs DATA_DIR [N] [S 1–32] [R 1–64] [ROUNDS 1–5], at most ${MAX_PER_PROCESS} connections per process`,
    );
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const spawn = (childRole, config) =>
    fork(self, [], { env: { ...process.env, BARE_SITE_ROLE: childRole, BARE_SITE_CONFIG: JSON.stringify(config) } });
  const pki = path.join(dir, 'pki');
  const ca = readFileSync(path.join(pki, 'ca.pem'), 'utf8');
  const cert = `${readFileSync(path.join(pki, 'site.pem'), 'utf8').trim()}\n${ca.trim()}\n`;
  const key = readFileSync(path.join(pki, 'site-key.pem'), 'utf8');
  const servers = Array.from({ length: S }, (_, i) =>
    spawn('server', { host: `127.0.1.${i + 1}`, cert, key, expected: Math.ceil(N / S) }),
  );
  const targets = await Promise.all(
    servers.map(async (child, i) => ({ host: `127.0.1.${i + 1}`, port: (await next(child, 'listening')).port })),
  );
  const started = Date.now();
  const readers = Array.from({ length: R }, (_, i) =>
    spawn('reader', {
      targets: targets.slice(i % S).concat(targets.slice(0, i % S)),
      count: Math.floor(N / R),
      localAddress: `127.0.3.${i + 1}`,
      ca,
    }),
  );
  const connects = await Promise.all(readers.map((child) => next(child, 'connected')));
  const connected = connects.reduce((sum, c) => sum + c.connected, 0);
  const failed = connects.reduce((sum, c) => sum + c.failed, 0);
  const why = connects.find((c) => c.firstError !== undefined)?.firstError;
  console.log(
    `bare site fan-out: ${connected} connections (${failed} failed${why === undefined ? '' : `, e.g. ${why}`}) to ${S} servers from ${R} readers in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log('');
  console.log(
    '| round | connections | delivery p50 / p99 / max (ms) | last server had every answer (ms) | slowest write loop (ms) | CPU servers / readers (s) |',
  );
  console.log('|---:|---:|---|---:|---:|---|');
  for (let round = 1; round <= ROUNDS; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const child of readers) child.send({ type: 'mark' });
    const answered = servers.map((child) => next(child, 'answered'));
    const t0 = Date.now();
    for (const child of servers) child.send({ type: 'write' });
    const done = await Promise.all(answered);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reports = await Promise.all(
      readers.map((child) => {
        const report = next(child, 'report');
        child.send({ type: 'report' });
        return report;
      }),
    );
    const latencies = reports.flatMap((rep) => rep.received.map((at) => at - t0)).sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    const serverCpu = done.reduce((sum, d) => sum + d.cpuMs, 0) / 1000;
    const readerCpu = reports.reduce((sum, rep) => sum + rep.cpuMs, 0) / 1000;
    console.log(
      `| ${round} | ${latencies.length} | ${at(0.5)} / ${at(0.99)} / ${latencies.at(-1)} | ${Math.max(...done.map((d) => d.at)) - t0} | ${Math.max(...done.map((d) => d.writeMs))} | ${serverCpu.toFixed(1)} / ${readerCpu.toFixed(1)} |`,
    );
  }
  for (const child of [...readers, ...servers]) child.kill();
  process.exit(0);
}
