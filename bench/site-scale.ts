// One site on one machine at full primary-site size. A site server and several
// `siteport server --role mp` processes share one PostgreSQL database (a throwaway cluster), each
// MP on its own loopback address with the same site ports; a simulated fleet (bench/notify-fleet.ts)
// holds real notification connections to all of them from many loopback source addresses.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NotifyResult } from '@siteport/protocol';
import { startPostgres } from '../test-support/postgres.js';
import { cpuOf, freeLowPort, loadAverage, rssOf, settledRss, startSiteServer, stopProcess } from './bench-process.js';
import { type FleetScheduling, startFleet, sumCounts } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';
import { rateAround, sampleConnects } from './connect-rate.js';
import { type NetCounters, netCountersSince, raiseInputBacklog, readNetCounters } from './kernel-net-counters.js';
import { percentile } from './percentile.js';
import { type BareSiteResult, bareSiteScale } from './site-scale-bare.js';
import { postgresPids, startMp, sumOf } from './site-scale-processes.js';

/** The connect rate is read over 10,000 clients around 10,000 connected and around all but 10,000. */
export const CONNECT_RATE_EARLY = 10_000;
const CONNECT_RATE_WIDTH = 10_000;
/** How long the servers' CPU is read before any client connects. */
const BASE_CPU_SECONDS = 20;

export interface SiteScaleOptions {
  clients: number;
  /** Additional MP processes besides the site server (which is an MP too). */
  mps: number;
  /** Idle window in seconds (whole keep-alive intervals). */
  holdSeconds: number;
  /** @default 60 */
  keepAliveSeconds?: number;
  /** How the MPs find dead notification connections: agents' pings, or the kernel's TCP keep-alive. @default 'ping' */
  liveness?: 'ping' | 'tcp';
  /** Clients per fleet worker process. @default 10,000 */
  perWorker?: number;
  /** No client starts connecting after this many seconds (a bound on the run). @default 1800 */
  connectDeadlineSeconds?: number;
  /**
   * Scheduling niceness of the fleet workers (0–19). The simulated clients stand for other
   * machines; at 19 they take the cores only when the MPs leave them. @default 0
   */
  niceness?: number;
  /** Scheduling policy of the fleet workers (see FleetOptions.scheduling). @default 'other' */
  scheduling?: FleetScheduling;
  /**
   * `net.core.netdev_max_backlog` for the run (put back after it), when larger than the machine's.
   * Every packet between the fleet and the MPs crosses loopback and so this per-CPU input queue;
   * keep-alive probes leave in bursts (see docs/benchmarks.md). @default 0 (unchanged)
   */
  inputBacklog?: number;
  /** Then the bare floor in the same run: bare TLS servers on the MPs' addresses hold the same fleet (bench/site-scale-bare.ts). @default false */
  bare?: boolean;
}

export interface SiteScaleResult {
  clients: number;
  liveness: 'ping' | 'tcp';
  /** `net.core.netdev_max_backlog` during the run. */
  inputBacklog: number;
  processes: number;
  workers: number;
  niceness: number;
  scheduling: FleetScheduling;
  connected: number;
  failed: number;
  failures: Record<string, number>;
  connectSeconds: number;
  /** Connections that were ready and then closed, from the idle window to the end of the fan-out. */
  lost: number;
  /** The same by reason (the socket error the simulated client saw, or a close by the MP). */
  lostReasons: Record<string, number>;
  /** What the kernel counted in each phase (see kernel-net-counters.ts). */
  kernel: { connect: NetCounters; idle: NetCounters; fanout: NetCounters };
  /**
   * Clients per second around 10,000 connected and around 10,000 short of all (140,000 of
   * 150,000), from `/proc/net/sockstat` sampled every 2 s; NaN where the fleet did not get there.
   */
  connectRate: { early: number; lateAt: number; late: number };
  perMp: Record<string, number>;
  /** Total settled RSS of the siteport processes, and of the PostgreSQL cluster. */
  serverRssMiB: number;
  /** The siteport processes' settled RSS before any client connected (their fixed part). */
  serverBaseRssMiB: number;
  postgresRssMiB: number;
  /** Server CPU while idle, all siteport processes together, as a share of one core. */
  idleCpuCores: number;
  /** The same before any client connected (the site's own timers and jobs). */
  baseCpuCores: number;
  /** The bare floor of the same run, when asked for. */
  bare?: BareSiteResult;
  fanout: {
    acknowledged: number;
    /** Results the site server reported, by outcome. */
    outcomes: Record<string, number>;
    received: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    answerMs: number;
    serverCpuSeconds: number;
    postgresCpuSeconds: number;
  };
  load: [number, number];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (text: string): void =>
  void process.stderr.write(`[site-scale ${new Date().toISOString()}] ${text}\n`);

/**
 * Connects `clients` simulated clients to a site of 1 + `mps` MP processes on PostgreSQL, measures
 * the servers idle, then fans one action out to every client through the site server's admin API.
 */
export async function siteScale(options: SiteScaleOptions): Promise<SiteScaleResult> {
  const keepAlive = options.keepAliveSeconds ?? 60;
  const liveness = options.liveness ?? 'ping';
  const keepAliveFlags = ['--notify-keepalive', String(keepAlive), '--notify-liveness', liveness];
  const perWorker = options.perWorker ?? 10_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-scale-'));
  const pg = await startPostgres({ maxConnections: 400 });
  const children: ChildProcess[] = [];
  let stopFleet: (() => Promise<void>) | undefined;
  const backlog = raiseInputBacklog(options.inputBacklog ?? 0);
  try {
    const dbUrl = await pg.createDatabase('scale');
    const [http, https, notification] = [await freeLowPort(), await freeLowPort(), await freeLowPort()];
    const hosts = Array.from({ length: options.mps + 1 }, (_, i) => `127.0.1.${i + 1}`);
    progress(`site server on ${hosts[0]} (PostgreSQL on 127.0.0.1:${pg.port})`);
    const site = await startSiteServer(dir, [
      '--db',
      dbUrl,
      '--bind',
      hosts[0]!,
      '--public-host',
      hosts[0]!,
      '--http-port',
      String(http),
      '--https-port',
      String(https),
      '--notification-port',
      String(notification),
      ...keepAliveFlags,
      '--policy-interval',
      '3600',
    ]);
    children.push(site.child);
    for (const host of hosts.slice(1)) {
      progress(`MP on ${host}`);
      children.push(await startMp(dir, dbUrl, host, keepAliveFlags));
    }
    progress(`seeding ${options.clients} clients (real Ed25519 keys) into PostgreSQL`);
    const keyFiles = await seedClients(dir, options.clients, 'PS1', { perFile: perWorker, dbUrl });
    const sources = keyFiles.map((_, i) => `127.0.2.${i + 1}`);
    progress(`server CPU with no client, over ${BASE_CPU_SECONDS} s`);
    const serverPids = children.map((c) => c.pid!);
    const base0 = sumOf(serverPids, cpuOf);
    await sleep(BASE_CPU_SECONDS * 1000);
    const baseCpuCores = (sumOf(serverPids, cpuOf) - base0) / BASE_CPU_SECONDS;
    const baseRss = (await Promise.all(serverPids.map(settledRss))).reduce((a, b) => a + b, 0);
    const load0 = loadAverage();
    progress(`connecting ${keyFiles.length} fleet workers to ${hosts.length} MPs`);
    const sampler = sampleConnects();
    const kernel0 = readNetCounters();
    const fleet = await startFleet({
      mode: 'tcp',
      targets: hosts.map((host) => ({ host, port: notification })),
      sourceAddresses: sources,
      caFile: path.join(dir, 'pki', 'ca.pem'),
      keyFiles,
      connectDeadlineSeconds: options.connectDeadlineSeconds ?? 1800,
      lifetimeSeconds: 3600,
      maxPerTarget: 19_500,
      niceness: options.niceness ?? 0,
      scheduling: options.scheduling ?? 'other',
    });
    stopFleet = fleet.stop;
    const connectSamples = sampler.stop();
    const kernel1 = readNetCounters();
    progress(`connected ${fleet.connected}, failed ${fleet.failed} in ${fleet.connectSeconds.toFixed(1)} s`);
    await sleep(5000);
    let serverRss = 0;
    for (const pid of serverPids) serverRss += await settledRss(pid);
    const postgresRss = sumOf(postgresPids(pg.dir), rssOf);

    progress(`idle for ${options.holdSeconds} s`);
    await fleet.report();
    const idleCpu0 = sumOf(serverPids, cpuOf);
    await sleep(options.holdSeconds * 1000);
    const idleCpu1 = sumOf(serverPids, cpuOf);
    const idleReport = await fleet.report();
    const kernel2 = readNetCounters();

    await fetch(`${site.adminUrl}/api/v1/health`);
    progress('fan-out of one action to every client');
    const pgCpu0 = sumOf(postgresPids(pg.dir), cpuOf);
    const cpu0 = sumOf(serverPids, cpuOf);
    const t0 = Date.now();
    const res = await fetch(`${site.adminUrl}/api/v1/notify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 60 }),
    });
    const body = (await res.json()) as NotifyResult;
    const answerMs = Date.now() - t0;
    const cpu1 = sumOf(serverPids, cpuOf);
    const pgCpu1 = sumOf(postgresPids(pg.dir), cpuOf);
    await sleep(2000);
    const after = await fleet.report();
    const lost = idleReport.lost + after.lost;
    const kernel3 = readNetCounters();
    const lateAt = Math.max(CONNECT_RATE_EARLY, options.clients - CONNECT_RATE_EARLY);
    let bare: BareSiteResult | undefined;
    if (options.bare === true) {
      // The siteport side is let go first: the bare servers get the machine as the MPs had it.
      await fleet.stop();
      stopFleet = undefined;
      for (const child of children.splice(0).reverse()) await stopProcess(child);
      bare = await bareSiteScale({
        dir,
        caFile: path.join(dir, 'pki', 'ca.pem'),
        hosts,
        keyFiles,
        sourceAddresses: sources,
        holdSeconds: options.holdSeconds,
        connectDeadlineSeconds: options.connectDeadlineSeconds ?? 1800,
        niceness: options.niceness ?? 0,
        scheduling: options.scheduling ?? 'other',
        connectRateAt: { early: CONNECT_RATE_EARLY, late: lateAt, width: CONNECT_RATE_WIDTH },
        progress,
      });
    }
    const latencies = after.received.map((t) => t - t0).sort((a, b) => a - b);
    return {
      clients: options.clients,
      liveness,
      inputBacklog: backlog.now,
      processes: hosts.length,
      workers: keyFiles.length,
      niceness: options.niceness ?? 0,
      scheduling: options.scheduling ?? 'other',
      connected: fleet.connected,
      failed: fleet.failed,
      failures: fleet.failures,
      connectSeconds: fleet.connectSeconds,
      lost,
      lostReasons: sumCounts([idleReport.lostReasons, after.lostReasons]),
      kernel: {
        connect: netCountersSince(kernel0, kernel1),
        idle: netCountersSince(kernel1, kernel2),
        fanout: netCountersSince(kernel2, kernel3),
      },
      connectRate: {
        early: rateAround(connectSamples, CONNECT_RATE_EARLY, CONNECT_RATE_WIDTH),
        lateAt,
        late: rateAround(connectSamples, lateAt, CONNECT_RATE_WIDTH),
      },
      perMp: fleet.perTarget,
      serverRssMiB: serverRss / 1024 / 1024,
      serverBaseRssMiB: baseRss / 1024 / 1024,
      postgresRssMiB: postgresRss / 1024 / 1024,
      idleCpuCores: (idleCpu1 - idleCpu0) / options.holdSeconds,
      baseCpuCores,
      ...(bare === undefined ? {} : { bare }),
      fanout: {
        acknowledged: (body.results ?? []).filter((r) => r.outcome === 'acknowledged').length,
        outcomes: (body.results ?? []).reduce<Record<string, number>>((counts, r) => {
          counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
          return counts;
        }, {}),
        received: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? Number.NaN,
        answerMs,
        serverCpuSeconds: cpu1 - cpu0,
        postgresCpuSeconds: pgCpu1 - pgCpu0,
      },
      load: [load0, loadAverage()],
    };
  } finally {
    await stopFleet?.();
    for (const child of children.reverse()) await stopProcess(child);
    backlog.restore();
    await pg.destroy();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
