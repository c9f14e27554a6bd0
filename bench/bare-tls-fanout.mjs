// A floor for the notification fan-out: how long a bare Node.js TLS server takes to write one small
// frame to every one of N connections held by W reading processes on the same machine, with the
// site's certificate. `node bench/bare-tls-fanout.mjs DATA_DIR N W [NICENESS [SCHED [ANSWER]]]` (DATA_DIR: any
// siteport data directory, for its pki/); SCHED `batch` runs the readers as SCHED_BATCH;
// ANSWER `answer` makes every reader answer each frame at once (as clients acknowledge actions). Three rounds, 3 s apart; loopback only, bounded by N.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const [dir, n = '16000', w = '8', nice = '0', sched = 'other', answer = 'silent'] = process.argv.slice(2);
const N = Number(n);
const W = Number(w);
if (process.env.BARE_FANOUT_READER !== undefined) {
  // A reading process: N/W connections from its own loopback source address, counts what arrives.
  const { port, count, localAddress, ca, answers } = JSON.parse(process.env.BARE_FANOUT_READER);
  const ANSWER = Buffer.alloc(40, 2);
  const secureContext = tls.createSecureContext({ ca });
  const sockets = [];
  for (let i = 0; i < count; i += 1) {
    await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, secureContext, localAddress }, resolve);
      s.once('error', reject);
      // `answer`: each frame is answered at once with a 40-byte frame, as a client acknowledges an action.
      s.on('data', answers ? () => s.write(ANSWER) : () => undefined);
      sockets.push(s);
    });
  }
  process.send('connected');
  process.on('disconnect', () => process.exit(0));
} else {
  if (dir === undefined || !(N > 0 && N <= 19_000) || !(W > 0 && W <= 16)) {
    console.error('usage: node bench/bare-tls-fanout.mjs DATA_DIR N(1–19000) W(1–16) [NICENESS]');
    process.exit(2);
  }
  const pki = path.join(dir, 'pki');
  const ca = readFileSync(path.join(pki, 'ca.pem'), 'utf8');
  const cert = `${readFileSync(path.join(pki, 'site.pem'), 'utf8').trim()}\n${ca.trim()}\n`;
  const sockets = [];
  const server = tls.createServer({ cert, key: readFileSync(path.join(pki, 'site-key.pem'), 'utf8') }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const readers = Array.from({ length: W }, (_, i) => {
    const config = {
      port: server.address().port,
      count: Math.floor(N / W),
      localAddress: `127.0.3.${i + 1}`,
      ca,
      answers: answer === 'answer',
    };
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BARE_FANOUT_READER: JSON.stringify(config) },
    });
    os.setPriority(child.pid, Number(nice));
    // SCHED_BATCH: a woken reader does not preempt the writer (it waits for its turn on a core).
    if (sched === 'batch') execFileSync('chrt', ['-a', '-b', '-p', '0', String(child.pid)]);
    return child;
  });
  await Promise.all(readers.map((r) => new Promise((resolve) => r.once('message', resolve))));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const frame = Buffer.alloc(60, 1);
  console.log(`| connections | reading processes (niceness) | write loop (ms) | per write (µs) | server CPU (ms) |`);
  console.log('|---:|---:|---:|---:|---:|');
  for (let round = 0; round < 3; round += 1) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const s of sockets) s.write(frame);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `| ${sockets.length} | ${W} (${nice}, ${sched}, ${answer}) | ${ms.toFixed(0)} | ${((ms * 1000) / sockets.length).toFixed(1)} | ${((cpu.user + cpu.system) / 1000).toFixed(0)} |`,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  for (const r of readers) r.kill();
  process.exit(0);
}
