import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { DEFAULT_POLL_WAIT_SECONDS } from '@siteport/agent';
import os from 'node:os';
import path from 'node:path';
import {
  type SiteServerProcess,
  cpuOf,
  freeLowPort,
  loadAverage,
  settledRss,
  startBareTls,
  startSiteServer,
  stopProcess,
} from './bench-process.js';
import { type ExchangeFloor, exchangeFloor } from './exchange-floor.js';
import { type Fleet, type FleetMode, type FleetScheduling, startFleet } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';

export type ChannelMode = 'tcp' | 'poll';

export interface ChannelRun {
  mode: ChannelMode;
  connected: number;
  failed: number;
  failures: Record<string, number>;
  connectSeconds: number;
  rssPerClient: number;
  /** Keep-alive interval (TCP) or poll wait (long-poll): one ping or poll per client per period. */
  periodSeconds: number;
  /** Pings or polls the fleet sent in the idle window, per client. */
  idleEventsPerClient: number;
  /** Server CPU ms per minute with no client connected (timers of an idle server), subtracted from the idle figure. */
  baseCpuMsPerMinute: number;
  /** Server CPU per ping or poll in the idle window, above the base, µs. */
  idleCpuUsPerEvent: number;
  /** That per client per minute at one event per period, ms. */
  idleCpuMsPerClientMinute: number;
  /** Server CPU ms per client for one fan-out (delivery and acks), less the idle rate over the same time. */
  fanoutCpuMsPerClient: number;
  acknowledged: number;
  /** The server's own time to write the action to every client (its log), ms. */
  serverWriteMs: number;
  /** CPU the simulated fleet itself used for the push (receiving, acknowledging), ms, all workers: it shares the machine with the MP. */
  fleetPushCpuMs: number;
  /** From the push request to its answer: every client acknowledged (or the wait ran out). */
  allAcknowledgedMs: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** One-minute load average just before and just after the push. */
  pushLoad: [number, number];
}

export interface NotifyBenchOptions {
  clients: number;
  /** Idle window in which both channels' CPU is measured side by side. @default 120 */
  holdSeconds: number;
  /** Clients per fleet worker process. @default 2500 */
  perWorker?: number;
  /**
   * Loopback source addresses of the fleet workers: key file `i` connects from address `i` for the
   * bare and TCP fleets and from address `workers + i` for the long-poll fleet (both are connected
   * at once; one address has only the ephemeral port range). @default 127.0.0.2 … two per worker
   */
  sourceAddresses?: string[];
  /** @default 60 */
  keepAliveSeconds?: number;
  /** @default the agent's default (110) */
  pollWaitSeconds?: number;
  /** Niceness of the fleet workers. @default 0 */
  niceness?: number;
  /** Scheduling policy of the fleet workers (see FleetOptions.scheduling). @default 'other' */
  scheduling?: FleetScheduling;
}

export interface NotifyBenchResult {
  clients: number;
  options: Required<Omit<NotifyBenchOptions, 'sourceAddresses'>> & { workers: number; sourceAddresses: string[] };
  bare: { connected: number; rssPerClient: number };
  /** What one exchange costs bare Node.js servers: the floor under each channel's CPU. */
  floor: ExchangeFloor;
  tcp: ChannelRun;
  poll: ChannelRun;
  /** One-minute load average at the start and at the end. */
  load: [number, number];
}

/** How long the CPU of the servers with no client is measured. */
const BASE_WINDOW_SECONDS = 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (text: string): void =>
  void process.stderr.write(`[notify-bench ${new Date().toISOString()}] ${text}\n`);

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

/** One measured process and the fleet steps connected to it; RSS per client is the slope over the steps. */
class Measured {
  readonly fleets: Fleet[] = [];
  readonly points: [number, number][] = [];

  constructor(
    readonly pid: number,
    private readonly connect: (files: string[]) => Promise<Fleet>,
  ) {}

  async step(files: string[]): Promise<void> {
    this.fleets.push(await this.connect(files));
  }

  async settle(): Promise<void> {
    this.points.push([this.fleets.reduce((n, f) => n + f.connected, 0), await settledRss(this.pid)]);
  }

  /**
   * RSS per client: the least-squares slope of settled RSS over the connected count. The first
   * step absorbs memory the process had freed and reuses (start-up garbage), which would make a
   * small fleet look cheap, so the slope runs over the steps, not from zero.
   */
  get rssPerClient(): number {
    return slope(this.points);
  }

  get fleet(): Fleet {
    return combine(this.fleets);
  }

  async stop(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.stop()));
  }
}

/** Connects every measured process's fleet in four steps, reading settled RSS after each. */
async function connectInSteps(measured: Measured[], keyFiles: string[]): Promise<void> {
  const steps = Math.min(4, keyFiles.length);
  for (let i = 0; i < steps; i += 1) {
    const files = keyFiles.filter((_, k) => k % steps === i);
    for (const m of measured) await m.step(files);
    await sleep(2000);
    await Promise.all(measured.map((m) => m.settle()));
  }
}

interface Channel {
  mode: ChannelMode;
  server: SiteServerProcess;
  measured: Measured;
  baseRate: number;
  idle: { cpuSeconds: number; events: number; windowSeconds: number };
}

/** One push to every client of a channel: latency, CPU, acks. */
async function push(c: Channel, o: NotifyBenchResult['options']): Promise<ChannelRun> {
  const fleet = c.measured.fleet;
  const pid = c.server.child.pid!;
  const period = c.mode === 'tcp' ? o.keepAliveSeconds : o.pollWaitSeconds;
  // Warm up fetch (undici loads lazily on first use) so it does not count as delivery time.
  await fetch(`${c.server.adminUrl}/api/v1/health`);
  await fleet.report();
  const loadBefore = loadAverage();
  const cpu0 = cpuOf(pid);
  const t0 = Date.now();
  const res = await fetch(`${c.server.adminUrl}/api/v1/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 30 }),
  });
  const body = (await res.json()) as { results: { outcome: string }[] };
  const t1 = Date.now();
  const cpu1 = cpuOf(pid);
  // The workers' deferred acks and re-polls, then their receive times.
  await sleep(1500);
  const after = await fleet.report();
  const latencies = after.received.map((t) => t - t0).sort((x, y) => x - y);
  const connected = Math.max(1, fleet.connected);
  const idleRate = c.idle.cpuSeconds / c.idle.windowSeconds;
  const perEvent = Math.max(0, c.idle.cpuSeconds - c.baseRate * c.idle.windowSeconds) / Math.max(1, c.idle.events);
  progress(`${c.mode}: pushed, ${latencies.length} received, p99 ${percentile(latencies, 99)} ms`);
  return {
    mode: c.mode,
    connected: fleet.connected,
    failed: fleet.failed,
    failures: fleet.failures,
    connectSeconds: fleet.connectSeconds,
    rssPerClient: c.measured.rssPerClient,
    periodSeconds: period,
    idleEventsPerClient: c.idle.events / connected,
    baseCpuMsPerMinute: c.baseRate * 60_000,
    idleCpuUsPerEvent: perEvent * 1e6,
    idleCpuMsPerClientMinute: perEvent * 1000 * (60 / period),
    fanoutCpuMsPerClient: (Math.max(0, cpu1 - cpu0 - idleRate * ((t1 - t0) / 1000)) * 1000) / connected,
    acknowledged: body.results.filter((r) => r.outcome === 'acknowledged').length,
    serverWriteMs: c.server.sent.at(-1)?.writeMs ?? Number.NaN,
    fleetPushCpuMs: after.cpuMs,
    allAcknowledgedMs: t1 - t0,
    received: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    pushLoad: [loadBefore, loadAverage()],
  };
}

/** A site whose ports lie below the ephemeral range (the fleet's own sockets take ephemeral ports). */
async function newSite(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const flags = ['--http-port', '--https-port', '--notification-port'];
  const first = await startSiteServer(
    dir,
    (await Promise.all(flags.map(async (flag) => [flag, String(await freeLowPort())]))).flat(),
  );
  await stopProcess(first.child);
}

/**
 * The notification benchmark (issue 5): `clients` simulated agents speaking the real protocol on
 * loopback hold connections to one MP process. First a bare Node.js TLS server with the same
 * certificate (the memory baseline); then the TCP notification channel and the HTTPS long-poll
 * fallback side by side, two MP processes of two sites with the same clients, so that the idle
 * CPU of both is measured over the same window under the same machine load; then one push on
 * each. Reports RSS per client, idle and fan-out CPU, and the time to deliver one action to all.
 */
export async function notifyBench(options: NotifyBenchOptions): Promise<NotifyBenchResult> {
  const perWorker = options.perWorker ?? 2500;
  // At least four workers: each channel connects in four steps (RSS per client is a slope).
  const workers = Math.max(4, Math.ceil(options.clients / perWorker));
  const o: NotifyBenchResult['options'] = {
    clients: options.clients,
    holdSeconds: options.holdSeconds,
    perWorker,
    workers,
    sourceAddresses: options.sourceAddresses ?? Array.from({ length: 2 * workers }, (_, i) => `127.0.0.${2 + i}`),
    keepAliveSeconds: options.keepAliveSeconds ?? 60,
    pollWaitSeconds: options.pollWaitSeconds ?? DEFAULT_POLL_WAIT_SECONDS,
    niceness: options.niceness ?? 0,
    scheduling: options.scheduling ?? 'other',
  };
  const loadStart = loadAverage();
  const root = mkdtempSync(path.join(os.tmpdir(), 'siteport-notify-bench-'));
  const dirs = { tcp: path.join(root, 'tcp'), poll: path.join(root, 'poll') };
  try {
    await newSite(dirs.tcp);
    await newSite(dirs.poll);
    const keyFiles = await seedClients(dirs.tcp, options.clients, 'PS1', {
      perFile: Math.min(perWorker, Math.ceil(options.clients / 4)),
      alsoInto: [dirs.poll],
    });
    progress(`seeded ${options.clients} clients into both sites, ${keyFiles.length} key files`);
    const fleetOptions = { niceness: o.niceness, scheduling: o.scheduling, pollWaitSeconds: o.pollWaitSeconds };
    // Each key file keeps its own source address whichever connect step starts it.
    const from = (files: string[], offset: number): string[] =>
      files.map((f) => o.sourceAddresses[(offset + keyFiles.indexOf(f)) % o.sourceAddresses.length]!);

    const bare = await startBareTls(dirs.tcp);
    let bareResult: NotifyBenchResult['bare'];
    try {
      const caFile = path.join(dirs.tcp, 'pki', 'ca.pem');
      const m = new Measured(bare.child.pid!, (files) =>
        startFleet({
          mode: 'bare',
          targets: [{ host: '127.0.0.1', port: bare.port }],
          caFile,
          keyFiles: files,
          sourceAddresses: from(files, 0),
          ...fleetOptions,
        }),
      );
      await sleep(1000);
      try {
        await connectInSteps([m], keyFiles);
        bareResult = { connected: m.fleet.connected, rssPerClient: m.rssPerClient };
      } finally {
        await m.stop();
      }
      progress(`bare: ${bareResult.connected} connected`);
    } finally {
      await stopProcess(bare.child);
    }

    const floor = await exchangeFloor(dirs.tcp, Math.min(2000, options.clients));
    progress(`floor: TLS ${floor.tlsUs.toFixed(0)} µs, HTTPS ${floor.httpsUs.toFixed(0)} µs per exchange`);

    const channels: Channel[] = [];
    try {
      for (const mode of ['tcp', 'poll'] as const) {
        const server = await startSiteServer(dirs[mode], ['--notify-keepalive', String(o.keepAliveSeconds)]);
        const port = mode === 'tcp' ? server.notification : server.https;
        const caFile = path.join(dirs[mode], 'pki', 'ca.pem');
        const fleetMode: FleetMode = mode;
        const offset = mode === 'tcp' ? 0 : keyFiles.length;
        const measured = new Measured(server.child.pid!, (files) =>
          startFleet({
            mode: fleetMode,
            targets: [{ host: '127.0.0.1', port }],
            caFile,
            keyFiles: files,
            sourceAddresses: from(files, offset),
            ...fleetOptions,
          }),
        );
        channels.push({ mode, server, measured, baseRate: 0, idle: { cpuSeconds: 0, events: 0, windowSeconds: 0 } });
      }
      await sleep(2000);
      const base0 = channels.map((c) => cpuOf(c.server.child.pid!));
      await sleep(BASE_WINDOW_SECONDS * 1000);
      channels.forEach((c, i) => (c.baseRate = (cpuOf(c.server.child.pid!) - base0[i]!) / BASE_WINDOW_SECONDS));

      await connectInSteps(
        channels.map((c) => c.measured),
        keyFiles,
      );
      for (const c of channels)
        progress(`${c.mode}: ${c.measured.fleet.connected} connected, ${c.measured.fleet.failed} failed`);

      // Both channels idle over the same window: the same machine load for both.
      const window = Math.max(o.holdSeconds, o.keepAliveSeconds, o.pollWaitSeconds);
      await Promise.all(channels.map((c) => c.measured.fleet.report()));
      const idle0 = channels.map((c) => cpuOf(c.server.child.pid!));
      await sleep(window * 1000);
      const idle1 = channels.map((c) => cpuOf(c.server.child.pid!));
      const reports = await Promise.all(channels.map((c) => c.measured.fleet.report()));
      channels.forEach(
        (c, i) => (c.idle = { cpuSeconds: idle1[i]! - idle0[i]!, events: reports[i]!.events, windowSeconds: window }),
      );

      const [tcpChannel, pollChannel] = channels as [Channel, Channel];
      const tcp = await push(tcpChannel, o);
      await sleep(2000);
      const poll = await push(pollChannel, o);
      return {
        clients: options.clients,
        options: o,
        bare: bareResult,
        floor,
        tcp,
        poll,
        load: [loadStart, loadAverage()],
      };
    } finally {
      for (const c of channels) await c.measured.stop();
      await Promise.all(channels.map((c) => stopProcess(c.server.child)));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
