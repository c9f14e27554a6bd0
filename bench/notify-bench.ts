import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { DEFAULT_POLL_WAIT_SECONDS } from '@siteport/agent';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '@siteport/protocol';
import {
  type SiteServerProcess,
  cpuOf,
  loadAverage,
  newSite,
  settledRss,
  startSiteServer,
  stopProcess,
  waitOutput,
} from './bench-process.js';
import { type ExchangeFloor, exchangeFloor } from './exchange-floor.js';
import { type Fleet, type FleetMode, type FleetScheduling, startFleet, sumCounts } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';
import { slope } from './least-squares.js';
import { percentile } from './percentile.js';
import { medianRun } from './median-run.js';

/** What several bare fan-outs and pushes report as medians. */
const FANOUT_MEDIANS = ['writeMs', 'received', 'answered', 'cpuMsPerClient', 'p50Ms', 'p99Ms', 'maxMs'] as const;
const PUSH_MEDIANS = [
  'fanoutCpuMsPerClient',
  'acknowledged',
  'serverWriteMs',
  'fleetPushCpuMs',
  'allAcknowledgedMs',
  'received',
  'p50Ms',
  'p99Ms',
  'maxMs',
] as const;

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
  /** Pushes per channel (and bare fan-outs); latency and CPU are the medians. @default 3 */
  pushes?: number;
}

/** The bare TLS server writing one action-sized frame to every connection of the bare fleet, whose readers answer. */
export interface BareFanout {
  clients: number;
  /** The bare server's write loop, ms. */
  writeMs: number;
  received: number;
  answered: number;
  /** Bare server CPU from the push until every answer was read, per client, ms. */
  cpuMsPerClient: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One process held idle by its fleet in the shared window: what the window cost it. */
export interface IdleRun {
  connected: number;
  failed: number;
  rssPerClient: number;
  /** Pings or polls per client in the window. */
  eventsPerClient: number;
  baseCpuMsPerMinute: number;
  windowSeconds: number;
  /** Server CPU over the window, all of it, ms per minute. */
  windowCpuMsPerMinute: number;
  /** Server CPU above its base over the window, per client per minute, ms: what it measured, however many pings or polls. */
  windowCpuMsPerClientMinute: number;
  /** Per ping or poll, above the base, µs. */
  cpuUsPerEvent: number;
  /** That at one ping or poll per period, per client per minute, ms. */
  cpuMsPerClientMinute: number;
  periodSeconds: number;
}

export interface NotifyBenchResult {
  clients: number;
  options: Required<Omit<NotifyBenchOptions, 'sourceAddresses'>> & { workers: number; sourceAddresses: string[] };
  bare: { connected: number; rssPerClient: number; fanout: BareFanout };
  /**
   * The idle window's other processes, side by side with the TCP and long-poll MPs: the TCP channel
   * with `--notify-liveness tcp` (kernel keep-alive, no pings) and a bare node:https long-poll server.
   */
  idle: { tcp: IdleRun; tcpKeepAlive: IdleRun; poll: IdleRun; barePoll: IdleRun };
  /** What one exchange costs bare Node.js servers: the floor under each channel's CPU. */
  floor: ExchangeFloor;
  tcp: ChannelRun;
  poll: ChannelRun;
  /** One-minute load average at the start and at the end. */
  load: [number, number];
}

const GC_HOOK = new URL('./gc-hook.mjs', import.meta.url).href;
const BARE_TLS = fileURLToPath(new URL('./bare-tls-server.mjs', import.meta.url));
const BARE_POLL = fileURLToPath(new URL('./bare-https-poll-server.mjs', import.meta.url));
/** The bare fan-out writes a frame as long as the MP's `policy` action frame (a 16-character id). */
const ACTION_FRAME_BYTES = encodeFrame('action', { id: 'x'.repeat(16), action: 'policy' }).length;

/** A bare baseline server, with the GC hook of the measured processes; stdin open for commands. */
async function startBare(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', GC_HOOK, script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return { child, port: Number((await waitOutput(child, /port (\d+)/))[1]) };
}

/** How long the servers run before their CPU with no client is measured. */
const BASE_SETTLE_SECONDS = 15;
/** How long the CPU of the servers with no client is measured. */
const BASE_WINDOW_SECONDS = 20;
/** CLOCK_MONOTONIC in µs: the clock of V8's CPU profile sample times on Linux (bench/profile-top.ts). */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (text: string): void =>
  void process.stderr.write(`[notify-bench ${new Date().toISOString()}] ${text}\n`);

/** Several fleets seen as one. */
function combine(fleets: Fleet[]): Fleet {
  const sum = (pick: (f: Fleet) => Record<string, number>): Record<string, number> => sumCounts(fleets.map(pick));
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
        lostReasons: sumCounts(all.map((r) => r.lostReasons)),
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

type IdleName = keyof NotifyBenchResult['idle'];

interface Channel {
  name: IdleName;
  pid: number;
  /** The siteport MP (absent for the bare long-poll server). */
  server?: SiteServerProcess;
  stop: () => Promise<void>;
  periodSeconds: number;
  measured: Measured;
  baseRate: number;
  idle: { cpuSeconds: number; events: number; windowSeconds: number };
}

function idleRun(c: Channel): IdleRun {
  const fleet = c.measured.fleet;
  const connected = Math.max(1, fleet.connected);
  const above = Math.max(0, c.idle.cpuSeconds - c.baseRate * c.idle.windowSeconds);
  const perEvent = above / Math.max(1, c.idle.events);
  return {
    connected: fleet.connected,
    failed: fleet.failed,
    rssPerClient: c.measured.rssPerClient,
    eventsPerClient: c.idle.events / connected,
    baseCpuMsPerMinute: c.baseRate * 60_000,
    windowSeconds: c.idle.windowSeconds,
    windowCpuMsPerMinute: (c.idle.cpuSeconds * 60_000) / c.idle.windowSeconds,
    windowCpuMsPerClientMinute: ((above * 1000) / connected) * (60 / c.idle.windowSeconds),
    cpuUsPerEvent: perEvent * 1e6,
    cpuMsPerClientMinute: c.idle.events === 0 ? Number.NaN : perEvent * 1000 * (60 / c.periodSeconds),
    periodSeconds: c.periodSeconds,
  };
}

/** The bare fan-out: the bare server writes one action-sized frame to each connection; the fleet timestamps and answers. */
async function bareFanout(bare: { child: ChildProcess }, fleet: Fleet): Promise<BareFanout> {
  const pid = bare.child.pid!;
  await fleet.report();
  await sleep(1000);
  const done = waitOutput(bare.child, /pushed (\d+) ([\d.]+)/);
  const cpu0 = cpuOf(pid);
  const t0 = Date.now();
  bare.child.stdin!.write(`push ${ACTION_FRAME_BYTES}\n`);
  const m = await done;
  // The readers answer once their burst is over; the same wait as after the MP's push.
  await sleep(1500);
  const cpu1 = cpuOf(pid);
  const after = await fleet.report();
  const latencies = after.received.map((t) => t - t0).sort((x, y) => x - y);
  const clients = Number(m[1]);
  return {
    clients,
    writeMs: Number(m[2]),
    received: latencies.length,
    answered: after.acked,
    cpuMsPerClient: ((cpu1 - cpu0) * 1000) / Math.max(1, clients),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}

/** One push to every client of a channel: latency, CPU, acks. */
async function push(c: Channel, mode: ChannelMode): Promise<ChannelRun> {
  const server = c.server!;
  const fleet = c.measured.fleet;
  const pid = c.pid;
  const period = c.periodSeconds;
  // Warm up fetch (undici loads lazily on first use) so it does not count as delivery time.
  await fetch(`${server.adminUrl}/api/v1/health`);
  await fleet.report();
  const loadBefore = loadAverage();
  const cpu0 = cpuOf(pid);
  const m0 = monotonicUs();
  const t0 = Date.now();
  const res = await fetch(`${server.adminUrl}/api/v1/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 30 }),
  });
  const body = (await res.json()) as { results: { outcome: string }[] };
  const t1 = Date.now();
  const cpu1 = cpuOf(pid);
  progress(`${mode}: MP pid ${pid}, push from ${m0} to ${monotonicUs()} µs (CLOCK_MONOTONIC)`);
  // The workers' deferred acks and re-polls, then their receive times.
  await sleep(1500);
  const after = await fleet.report();
  const latencies = after.received.map((t) => t - t0).sort((x, y) => x - y);
  const connected = Math.max(1, fleet.connected);
  const idleRate = c.idle.cpuSeconds / c.idle.windowSeconds;
  const perEvent = Math.max(0, c.idle.cpuSeconds - c.baseRate * c.idle.windowSeconds) / Math.max(1, c.idle.events);
  progress(`${mode}: pushed, ${latencies.length} received, p99 ${percentile(latencies, 99)} ms`);
  return {
    mode,
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
    serverWriteMs: server.sent.at(-1)?.writeMs ?? Number.NaN,
    fleetPushCpuMs: after.cpuMs,
    allAcknowledgedMs: t1 - t0,
    received: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    pushLoad: [loadBefore, loadAverage()],
  };
}

/**
 * The notification benchmark: `clients` simulated agents speaking the real protocol on
 * loopback hold connections to one MP process. First a bare Node.js TLS server with the same
 * certificate (the memory baseline), which then writes one action-sized frame to every connection
 * of the same fleet, whose readers timestamp and answer it (the fan-out baseline). Then, side by
 * side so that their idle CPU is measured over the same window under the same machine load, four
 * processes of the same clients: the TCP notification channel (pings), the TCP channel with
 * `--notify-liveness tcp` (kernel keep-alive, no pings), the HTTPS long-poll fallback (three MP
 * processes of three sites), and a bare node:https long-poll server (the long-poll's baseline);
 * then one push on the TCP channel and on the long-poll. Reports RSS per client, idle and fan-out
 * CPU, and the time to deliver one action to all.
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
    sourceAddresses: options.sourceAddresses ?? Array.from({ length: 4 * workers }, (_, i) => `127.0.0.${2 + i}`),
    keepAliveSeconds: options.keepAliveSeconds ?? 60,
    pollWaitSeconds: options.pollWaitSeconds ?? DEFAULT_POLL_WAIT_SECONDS,
    niceness: options.niceness ?? 0,
    scheduling: options.scheduling ?? 'other',
    pushes: options.pushes ?? 3,
  };
  if (!Number.isInteger(o.pushes) || o.pushes < 1 || o.pushes > 20)
    throw new Error(`pushes must be 1–20, not ${o.pushes}`);
  const loadStart = loadAverage();
  const root = mkdtempSync(path.join(os.tmpdir(), 'siteport-notify-bench-'));
  const dirs = {
    tcp: path.join(root, 'tcp'),
    tcpKeepAlive: path.join(root, 'tcp-keepalive'),
    poll: path.join(root, 'poll'),
  };
  try {
    for (const dir of Object.values(dirs)) await newSite(dir);
    const keyFiles = await seedClients(dirs.tcp, options.clients, 'PS1', {
      perFile: Math.min(perWorker, Math.ceil(options.clients / 4)),
      alsoInto: [dirs.tcpKeepAlive, dirs.poll],
    });
    progress(`seeded ${options.clients} clients into three sites, ${keyFiles.length} key files`);
    const fleetOptions = { niceness: o.niceness, scheduling: o.scheduling, pollWaitSeconds: o.pollWaitSeconds };
    // Each key file keeps its own source address whichever connect step starts it.
    const from = (files: string[], offset: number): string[] =>
      files.map((f) => o.sourceAddresses[(offset + keyFiles.indexOf(f)) % o.sourceAddresses.length]!);

    const bare = await startBare(BARE_TLS, [dirs.tcp]);
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
        const rssPerClient = m.rssPerClient;
        const fanouts: BareFanout[] = [];
        for (let i = 0; i < o.pushes; i += 1) fanouts.push(await bareFanout(bare, m.fleet));
        const fanout = medianRun(fanouts, FANOUT_MEDIANS);
        bareResult = { connected: m.fleet.connected, rssPerClient, fanout };
      } finally {
        await m.stop();
      }
      progress(
        `bare: ${bareResult.connected} connected; fan-out p99 ${bareResult.fanout.p99Ms} ms, ${bareResult.fanout.answered} answered`,
      );
    } finally {
      await stopProcess(bare.child);
    }

    const floor = await exchangeFloor(dirs.tcp, Math.min(2000, options.clients));
    progress(`floor: TLS ${floor.tlsUs.toFixed(0)} µs, HTTPS ${floor.httpsUs.toFixed(0)} µs per exchange`);

    const channels: Channel[] = [];
    try {
      const plan: { name: IdleName; mode: FleetMode; dir: string; liveness?: string }[] = [
        { name: 'tcp', mode: 'tcp', dir: dirs.tcp },
        { name: 'tcpKeepAlive', mode: 'tcp', dir: dirs.tcpKeepAlive, liveness: 'tcp' },
        { name: 'poll', mode: 'poll', dir: dirs.poll },
        { name: 'barePoll', mode: 'bare-poll', dir: dirs.poll },
      ];
      for (const [i, p] of plan.entries()) {
        let server: SiteServerProcess | undefined;
        let pid: number;
        let port: number;
        let stop: () => Promise<void>;
        if (p.mode === 'bare-poll') {
          const b = await startBare(BARE_POLL, [p.dir, String(o.pollWaitSeconds)]);
          pid = b.child.pid!;
          port = b.port;
          stop = () => stopProcess(b.child);
        } else {
          const s = await startSiteServer(p.dir, [
            '--notify-keepalive',
            String(o.keepAliveSeconds),
            ...(p.liveness === undefined ? [] : ['--notify-liveness', p.liveness]),
          ]);
          server = s;
          pid = s.child.pid!;
          port = p.mode === 'tcp' ? s.notification : s.https;
          stop = () => stopProcess(s.child);
        }
        const caFile = path.join(p.dir, 'pki', 'ca.pem');
        const measured = new Measured(pid, (files) =>
          startFleet({
            mode: p.mode,
            targets: [{ host: '127.0.0.1', port }],
            caFile,
            keyFiles: files,
            sourceAddresses: from(files, i * keyFiles.length),
            ...fleetOptions,
          }),
        );
        channels.push({
          name: p.name,
          pid,
          ...(server === undefined ? {} : { server }),
          stop,
          periodSeconds: p.mode === 'tcp' ? o.keepAliveSeconds : o.pollWaitSeconds,
          measured,
          baseRate: 0,
          idle: { cpuSeconds: 0, events: 0, windowSeconds: 0 },
        });
      }
      // Start-up work (module compilation, the first collections, the site's first timers) settles
      // first: counted in the base, it would hide the idle cost of a small fleet.
      await sleep(BASE_SETTLE_SECONDS * 1000);
      const base0 = channels.map((c) => cpuOf(c.pid));
      await sleep(BASE_WINDOW_SECONDS * 1000);
      channels.forEach((c, i) => (c.baseRate = (cpuOf(c.pid) - base0[i]!) / BASE_WINDOW_SECONDS));

      await connectInSteps(
        channels.map((c) => c.measured),
        keyFiles,
      );
      for (const c of channels)
        progress(`${c.name}: ${c.measured.fleet.connected} connected, ${c.measured.fleet.failed} failed`);

      // Every process idles over the same window: the same machine load for all.
      const window = Math.max(o.holdSeconds, o.keepAliveSeconds, o.pollWaitSeconds);
      await Promise.all(channels.map((c) => c.measured.fleet.report()));
      const idle0 = channels.map((c) => cpuOf(c.pid));
      const w0 = monotonicUs();
      await sleep(window * 1000);
      const idle1 = channels.map((c) => cpuOf(c.pid));
      progress(
        `idle window from ${w0} to ${monotonicUs()} µs (CLOCK_MONOTONIC); ${channels.map((c) => `${c.name} pid ${c.pid}`).join(', ')}`,
      );
      const reports = await Promise.all(channels.map((c) => c.measured.fleet.report()));
      channels.forEach(
        (c, i) => (c.idle = { cpuSeconds: idle1[i]! - idle0[i]!, events: reports[i]!.events, windowSeconds: window }),
      );
      const [tcpChannel, tcpKeepAliveChannel, pollChannel, barePollChannel] = channels as [
        Channel,
        Channel,
        Channel,
        Channel,
      ];
      const idle = {
        tcp: idleRun(tcpChannel),
        tcpKeepAlive: idleRun(tcpKeepAliveChannel),
        poll: idleRun(pollChannel),
        barePoll: idleRun(barePollChannel),
      };
      // The push phase: the keep-alive MP and the bare long-poll's fleets are let go first.
      for (const c of [tcpKeepAliveChannel, barePollChannel]) {
        await c.measured.stop();
        await c.stop();
      }
      const pushes = async (c: Channel, mode: ChannelMode): Promise<ChannelRun> => {
        const runs: ChannelRun[] = [];
        for (let i = 0; i < o.pushes; i += 1) {
          runs.push(await push(c, mode));
          await sleep(2000);
        }
        return medianRun(runs, PUSH_MEDIANS);
      };
      // The long-poll's pushes first; then its fleet is let go too, so the TCP channel's pushes run
      // with only their own fleet connected, as the bare fan-out they are compared with did (with
      // the long-poll fleet polling beside them, 950 polls a second at 19,000 clients loaded the
      // cores the TCP push and its readers need).
      const poll = await pushes(pollChannel, 'poll');
      await pollChannel.measured.stop();
      await pollChannel.stop();
      const tcp = await pushes(tcpChannel, 'tcp');
      return {
        clients: options.clients,
        options: o,
        bare: bareResult,
        idle,
        floor,
        tcp,
        poll,
        load: [loadStart, loadAverage()],
      };
    } finally {
      for (const c of channels) await c.measured.stop();
      await Promise.all(channels.map((c) => c.stop()));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
