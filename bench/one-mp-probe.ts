// `node --import tsx bench/one-mp-probe.ts`: what one connection, one keep-alive ping and one
// fan-out cost on one MP process (SQLite), server and simulated client apart — the quick check
// behind the full-site numbers. Prints one JSON line per phase.
// PROBE_CLIENTS (4000, at most 19,000), PROBE_WORKERS (1; at most 10,000 clients each), PROBE_KEEPALIVE (60),
// PROBE_IDLE_SECONDS (0: no idle phase), PROBE_PUSH (0; 1: one push to all), PROBE_SCHED (other|batch: the workers' scheduling policy),
// PROBE_LIVENESS (ping|tcp: the server's --notify-liveness), PROBE_IDLE_ROUNDS (1: idle windows one after another).
// NOTIFY_BENCH_PROFILE / NOTIFY_FLEET_PROFILE=DIR write CPU profiles of the server / the workers.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuOf, cpuSplitOf, freeLowPort, startSiteServer, stopProcess } from './bench-process.js';
import { fleetScheduling } from './notify-bench-env.js';
import { startFleet } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';

const clients = Number(process.env.PROBE_CLIENTS ?? 4000);
const workers = Number(process.env.PROBE_WORKERS ?? 1);
const idleSeconds = Number(process.env.PROBE_IDLE_SECONDS ?? 0);
const idleRounds = Number(process.env.PROBE_IDLE_ROUNDS ?? 1);
if (
  !(Number.isInteger(clients) && clients > 0 && clients <= 19_000) ||
  !(Number.isInteger(workers) && workers > 0 && workers <= 8)
) {
  throw new Error('PROBE_CLIENTS must be 1–19000 and PROBE_WORKERS 1–8');
}
/** CLOCK_MONOTONIC in µs, the clock of V8's CPU profile sample times on Linux. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const print = (phase: string, values: Record<string, unknown>): void =>
  console.log(JSON.stringify({ phase, ...values }));

const root = mkdtempSync(path.join(os.tmpdir(), 'siteport-probe-'));
try {
  // Site ports below the ephemeral range, so the fleet's own sockets cannot take them.
  const flags = ['--http-port', '--https-port', '--notification-port'];
  const first = await startSiteServer(
    root,
    (await Promise.all(flags.map(async (f) => [f, String(await freeLowPort())]))).flat(),
  );
  await stopProcess(first.child);
  const keyFiles = await seedClients(root, clients, 'PS1', { perFile: Math.ceil(clients / workers) });
  const liveness = process.env.PROBE_LIVENESS ?? 'ping';
  const server = await startSiteServer(root, [
    '--notify-keepalive',
    process.env.PROBE_KEEPALIVE ?? '60',
    '--notify-liveness',
    liveness,
  ]);
  const pid = server.child.pid!;
  try {
    const cpu0 = cpuOf(pid);
    const fleet = await startFleet({
      mode: 'tcp',
      targets: [{ host: '127.0.0.1', port: server.notification }],
      caFile: path.join(root, 'pki', 'ca.pem'),
      keyFiles,
      sourceAddresses: Array.from({ length: workers }, (_, i) => `127.0.0.${2 + i}`),
      scheduling: fleetScheduling(process.env.PROBE_SCHED, 'PROBE_SCHED'),
    });
    try {
      const connect = await fleet.report();
      print('connect', {
        clients,
        connected: fleet.connected,
        failed: fleet.failed,
        seconds: fleet.connectSeconds,
        perSecond: Math.round(fleet.connected / fleet.connectSeconds),
        // The workers' CPU includes loading their keys and modules.
        serverCpuMsPerClient: +(((cpuOf(pid) - cpu0) * 1000) / clients).toFixed(2),
        fleetCpuMsPerClient: +(connect.cpuMs / clients).toFixed(2),
      });
      // PROBE_IDLE_ROUNDS windows one after the other: the first starts 3 s after the last connect.
      for (let round = 0; idleSeconds > 0 && round < idleRounds; round += 1) {
        await sleep(round === 0 ? 3000 : 0);
        await fleet.report();
        const i0 = cpuSplitOf(pid);
        const fromUs = monotonicUs();
        await sleep(idleSeconds * 1000);
        const idle = await fleet.report();
        const i1 = cpuSplitOf(pid);
        const cpu = i1.user - i0.user + i1.system - i0.system;
        print('idle', {
          round,
          liveness,
          // The window in the server's CPU profile (bench/profile-top.ts FROM_US TO_US).
          fromUs,
          toUs: monotonicUs(),
          serverCores: +(cpu / idleSeconds).toFixed(4),
          serverUserCores: +((i1.user - i0.user) / idleSeconds).toFixed(4),
          serverSystemCores: +((i1.system - i0.system) / idleSeconds).toFixed(4),
          pings: idle.events,
          serverCpuUsPerPing: Math.round((cpu * 1e6) / Math.max(1, idle.events)),
          fleetCpuUsPerPing: Math.round((idle.cpuMs * 1000) / Math.max(1, idle.events)),
        });
      }
      if (process.env.PROBE_PUSH === '1') {
        await fetch(`${server.adminUrl}/api/v1/health`);
        await sleep(2000);
        await fleet.report();
        const p0 = cpuOf(pid);
        const t0 = Date.now();
        const res = await fetch(`${server.adminUrl}/api/v1/notify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 30 }),
        });
        const body = (await res.json()) as { results: { outcome: string }[] };
        const answerMs = Date.now() - t0;
        const p1 = cpuOf(pid);
        await sleep(1500);
        const push = await fleet.report();
        const latencies = push.received.map((t) => t - t0).sort((a, b) => a - b);
        print('push', {
          acknowledged: body.results.filter((r) => r.outcome === 'acknowledged').length,
          answerMs,
          writeMs: server.sent.at(-1)?.writeMs,
          p50Ms: latencies[Math.floor(latencies.length / 2)],
          p99Ms: latencies[Math.ceil(latencies.length * 0.99) - 1],
          serverCpuUsPerClient: Math.round(((p1 - p0) * 1e6) / clients),
          fleetCpuUsPerClient: Math.round((push.cpuMs * 1000) / clients),
        });
      }
    } finally {
      await fleet.stop();
    }
  } finally {
    await stopProcess(server.child);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
