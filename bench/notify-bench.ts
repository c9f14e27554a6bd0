import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuOf, freeLowPort, loadAverage, settledRss, startBareTls, startSiteServer, stopProcess } from './bench-process.js';
import { type Fleet, type FleetMode, startFleet } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';

export interface ChannelRun {
  mode: 'tcp' | 'poll';
  connected: number;
  failed: number;
  failures: Record<string, number>;
  connectSeconds: number;
  rssPerClient: number;
  /** Length of the idle window: a whole number of keep-alive intervals (TCP) or poll waits, so every client is seen the same number of times. */
  idleWindowSeconds: number;
  /** Pings or polls the fleet sent in the idle window, per client. */
  idleEventsPerClient: number;
  /** Server CPU ms per minute with no client connected (timers of an idle server), subtracted from the idle figure. */
  baseCpuMsPerMinute: number;
  /** Server CPU ms per client per minute while idle (keep-alives, or re-polls), above the base. */
  idleCpuMsPerClientMinute: number;
  /** Server CPU ms per client for one fan-out (delivery and acks), less the idle rate over the same time. */
  fanoutCpuMsPerClient: number;
  acknowledged: number;
  /** CPU the simulated fleet itself used for the push (receiving, acknowledging), ms, all workers: it shares the machine with the MP. */
  fleetPushCpuMs: number;
  /** From the push request to its answer: every client acknowledged (or the wait ran out). */
  allAcknowledgedMs: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** One-minute load average before connecting and after the push. */
  load: [number, number];
}

export interface NotifyBenchOptions {
  clients: number;
  /** Idle window, rounded to whole keep-alive intervals or poll waits (at least one). */
  holdSeconds: number;
  /** Clients per fleet worker process. @default 2500 */
  perWorker?: number;
  /** Loopback source addresses of the fleet workers. @default 127.0.0.2 … one per worker */
  sourceAddresses?: string[];
  /** Which channels to run after the baseline. @default both */
  modes?: ('tcp' | 'poll')[];
  /** @default 60 */
  keepAliveSeconds?: number;
  /** @default 50, the agent's default */
  pollWaitSeconds?: number;
  /** Niceness of the fleet workers. @default 0 */
  niceness?: number;
}

export interface NotifyBenchResult {
  clients: number;
  options: Required<Omit<NotifyBenchOptions, 'sourceAddresses'>> & { workers: number; sourceAddresses: string[] };
  bare: { connected: number; rssPerClient: number; load: [number, number] };
  tcp: ChannelRun | undefined;
  poll: ChannelRun | undefined;
}

/** How long the CPU of the server with no client is measured. */
const BASE_WINDOW_SECONDS = 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (text: string): void => void process.stderr.write(`[notify-bench ${new Date().toISOString()}] ${text}\n`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

/**
 * Connects the fleet in four steps and returns RSS per client: the least-squares slope of the
 * server's settled RSS over the connected count at each step. The first step absorbs memory the
 * process had already freed and reuses (start-up garbage), which would otherwise make a small
 * fleet look cheap.
 */
async function connectMeasured(pid: number, keyFiles: string[], connect: (files: string[]) => Promise<Fleet>): Promise<{ fleet: Fleet; perClient: number }> {
  const steps = Math.min(4, keyFiles.length);
  const fleets: Fleet[] = [];
  const points: [number, number][] = [];
  try {
    for (let i = 0; i < steps; i += 1) {
      const files = keyFiles.filter((_, k) => k % steps === i);
      fleets.push(await connect(files));
      await sleep(2000);
      points.push([fleets.reduce((n, f) => n + f.connected, 0), await settledRss(pid)]);
    }
  } catch (error) {
    await Promise.all(fleets.map((f) => f.stop()));
    throw error;
  }
  return { fleet: combine(fleets), perClient: slope(points) };
}

/** Several fleets seen as one. */
function combine(fleets: Fleet[]): Fleet {
  const sum = (pick: (f: Fleet) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const f of fleets) for (const [k, v] of Object.entries(pick(f))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    workers: fleets.flatMap((f) => f.workers),
    connected: fleets.reduce((n, f) => n + f.connected, 0),
    failed: fleets.reduce((n, f) => n + f.failed, 0),
    failures: sum((f) => f.failures),
    perTarget: sum((f) => f.perTarget),
    connectSeconds: fleets.reduce((n, f) => n + f.connectSeconds, 0),
    report: async () => {
      const all = await Promise.all(fleets.map((f) => f.report()));
      return {
        received: all.flatMap((r) => r.received),
        acked: all.reduce((n, r) => n + r.acked, 0),
        events: all.reduce((n, r) => n + r.events, 0),
        lost: all.reduce((n, r) => n + r.lost, 0),
        cpuMs: all.reduce((n, r) => n + r.cpuMs, 0),
      };
    },
    stop: async () => {
      await Promise.all(fleets.map((f) => f.stop()));
    },
  };
}

async function channelRun(dir: string, mode: 'tcp' | 'poll', keyFiles: string[], o: NotifyBenchResult['options']): Promise<ChannelRun> {
  const loadBefore = loadAverage();
  const server = await startSiteServer(dir, ['--notify-keepalive', String(o.keepAliveSeconds)]);
  const pid = server.child.pid!;
  const caFile = path.join(dir, 'pki', 'ca.pem');
  const port = mode === 'tcp' ? server.notification : server.https;
  try {
    const fleetMode: FleetMode = mode;
    await sleep(2000);
    const base0 = cpuOf(pid);
    await sleep(BASE_WINDOW_SECONDS * 1000);
    const baseRate = (cpuOf(pid) - base0) / BASE_WINDOW_SECONDS;
    const { fleet, perClient } = await connectMeasured(pid, keyFiles, (files) =>
      startFleet({ mode: fleetMode, targets: [{ host: '127.0.0.1', port }], sourceAddresses: o.sourceAddresses, caFile, keyFiles: files, pollWaitSeconds: o.pollWaitSeconds, niceness: o.niceness }),
    );
    progress(`${mode}: ${fleet.connected} connected, ${fleet.failed} failed in ${fleet.connectSeconds.toFixed(1)} s`);
    try {
      const period = mode === 'tcp' ? o.keepAliveSeconds : o.pollWaitSeconds;
      const window = period * Math.max(1, Math.round(o.holdSeconds / period));
      await fleet.report();
      const cpu1 = cpuOf(pid);
      await sleep(window * 1000);
      const cpu2 = cpuOf(pid);
      const idle = await fleet.report();
      // Warm up fetch (undici loads lazily on first use) so it does not count as delivery time.
      await fetch(`${server.adminUrl}/api/v1/health`);
      const cpu3 = cpuOf(pid);
      const t0 = Date.now();
      const res = await fetch(`${server.adminUrl}/api/v1/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 30 }),
      });
      const body = (await res.json()) as { results: { outcome: string }[] };
      const t1 = Date.now();
      const cpu4 = cpuOf(pid);
      // Deferred acks and re-polls of the workers, then their receive times.
      await sleep(1000);
      const after = await fleet.report();
      const latencies = after.received.map((t) => t - t0).sort((x, y) => x - y);
      const idleRate = (cpu2 - cpu1) / window;
      const connected = Math.max(1, fleet.connected);
      progress(`${mode}: pushed, ${latencies.length} received, p99 ${percentile(latencies, 99)} ms`);
      return {
        mode,
        connected: fleet.connected,
        failed: fleet.failed,
        failures: fleet.failures,
        connectSeconds: fleet.connectSeconds,
        rssPerClient: perClient,
        idleWindowSeconds: window,
        idleEventsPerClient: idle.events / connected,
        baseCpuMsPerMinute: baseRate * 1000 * 60,
        idleCpuMsPerClientMinute: (Math.max(0, idleRate - baseRate) * 1000 * 60) / connected,
        fanoutCpuMsPerClient: (Math.max(0, cpu4 - cpu3 - idleRate * ((t1 - t0) / 1000)) * 1000) / connected,
        acknowledged: body.results.filter((r) => r.outcome === 'acknowledged').length,
        fleetPushCpuMs: after.cpuMs,
        allAcknowledgedMs: t1 - t0,
        received: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? Number.NaN,
        load: [loadBefore, loadAverage()],
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    await stopProcess(server.child);
  }
}

/**
 * The notification benchmark (issue 5): `clients` simulated agents speaking the real protocol on
 * loopback hold connections to one MP process — first a bare Node.js TLS server with the same
 * certificate (baseline), then the TCP notification channel, then the HTTPS long-poll fallback.
 * Reports RSS per client, idle and fan-out CPU, and the time to deliver one action to all of them.
 */
export async function notifyBench(options: NotifyBenchOptions): Promise<NotifyBenchResult> {
  const perWorker = options.perWorker ?? 2500;
  // At least four workers: the fleet connects in four steps (RSS per client is a slope).
  const workers = Math.max(4, Math.ceil(options.clients / perWorker));
  const o: NotifyBenchResult['options'] = {
    clients: options.clients,
    holdSeconds: options.holdSeconds,
    perWorker,
    workers,
    sourceAddresses: options.sourceAddresses ?? Array.from({ length: workers }, (_, i) => `127.0.0.${2 + i}`),
    modes: options.modes ?? ['tcp', 'poll'],
    keepAliveSeconds: options.keepAliveSeconds ?? 60,
    pollWaitSeconds: options.pollWaitSeconds ?? 50,
    niceness: options.niceness ?? 0,
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-notify-bench-'));
  try {
    const ports = ['--http-port', '--https-port', '--notification-port'];
    const first = await startSiteServer(dir, (await Promise.all(ports.map(async (flag) => [flag, String(await freeLowPort())]))).flat());
    await stopProcess(first.child);
    const keyFiles = await seedClients(dir, options.clients, 'PS1', { perFile: Math.min(perWorker, Math.ceil(options.clients / 4)) });
    progress(`seeded ${options.clients} clients in ${keyFiles.length} key files`);

    const loadBefore = loadAverage();
    const bare = await startBareTls(dir);
    let bareResult: NotifyBenchResult['bare'];
    try {
      const caFile = path.join(dir, 'pki', 'ca.pem');
      const { fleet, perClient } = await connectMeasured(bare.child.pid!, keyFiles, (files) =>
        startFleet({ mode: 'bare', targets: [{ host: '127.0.0.1', port: bare.port }], sourceAddresses: o.sourceAddresses, caFile, keyFiles: files, niceness: o.niceness }),
      );
      bareResult = { connected: fleet.connected, rssPerClient: perClient, load: [loadBefore, loadAverage()] };
      progress(`bare: ${fleet.connected} connected`);
      await fleet.stop();
    } finally {
      await stopProcess(bare.child);
    }
    const tcp = o.modes.includes('tcp') ? await channelRun(dir, 'tcp', keyFiles, o) : undefined;
    const poll = o.modes.includes('poll') ? await channelRun(dir, 'poll', keyFiles, o) : undefined;
    return { clients: options.clients, options: o, bare: bareResult, tcp, poll };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
