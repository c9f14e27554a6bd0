// The simulated notification fleet: forks worker processes (bench/notify-fleet-worker.ts) whose
// clients speak the real protocol to one or several management points on loopback. Reused by
// the one-MP notification benchmark and the several-MP, 150,000-client full-site benchmark.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POLL_WAIT_SECONDS } from '@siteport/agent';
import { stopProcess } from './bench-process.js';
import type { FleetMode } from './fleet-client-context.js';
import { type FleetTarget, planFleet } from './fleet-plan.js';
import type { ConnectedMessage, ReportMessage, WorkerConfig } from './notify-fleet-worker.js';

export type { FleetMode } from './fleet-client-context.js';
export type { FleetTarget } from './fleet-plan.js';

/** Linux scheduling policy of the fleet workers (see {@link FleetOptions.scheduling}). */
export type FleetScheduling = 'other' | 'batch';

/** SCHED_BATCH for a process and every thread it has (threads it starts later inherit it). */
export function setBatchScheduling(pid: number): void {
  execFileSync('chrt', ['--all-tasks', '--batch', '--pid', '0', String(pid)]);
}

const WORKER = fileURLToPath(new URL('./notify-fleet-worker.ts', import.meta.url));

/** Options of {@link startFleet}. */
export interface FleetOptions {
  mode: FleetMode;
  /** Management points to connect to (notification port for `tcp`/`bare`, HTTPS port for `poll`); clients are spread round-robin. */
  targets: readonly FleetTarget[];
  /** Loopback addresses the workers' sockets bind to, worker `i` to `sourceAddresses[i % n]`. @default the kernel picks */
  sourceAddresses?: readonly string[];
  /** The site CA (PEM file) the clients pin. */
  caFile: string;
  /** One worker per file of keys (bench/seed-clients.ts), at most 10,000 keys each. */
  keyFiles: readonly string[];
  /** How long a long-poll waits. @default the agent's default (110) */
  pollWaitSeconds?: number;
  /** Connections being opened at once per worker. @default 32 */
  concurrency?: number;
  /** Longest wait for one client to become ready. @default 30 */
  connectTimeoutSeconds?: number;
  /** Connecting stops after this; clients not tried count as failed. @default 900 */
  connectDeadlineSeconds?: number;
  /** A worker exits by itself after this, whatever happens to the benchmark. @default 3600 */
  lifetimeSeconds?: number;
  /** Scheduling niceness of the workers (0–19). @default 0 */
  niceness?: number;
  /**
   * Scheduling policy of the workers. `batch` (SCHED_BATCH) keeps their full share of CPU but a
   * worker woken by incoming data does not preempt the process under test; it waits for its turn
   * on a core, as a separate client machine would not take the server's core at all. @default 'other'
   */
  scheduling?: FleetScheduling;
  /** Most clients on one target. @default 19,500 */
  maxPerTarget?: number;
}

/** What the workers reported about connecting. */
export interface FleetCounts {
  connected: number;
  failed: number;
  failures: Record<string, number>;
  /** Longest time a worker took to connect its clients (excludes process start). */
  connectSeconds: number;
  perTarget: Record<string, number>;
}

/** Counts by key, summed over several records. */
export function sumCounts(records: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of records) for (const [k, v] of Object.entries(record)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Everything the workers saw since the previous report, summed. */
export interface FleetReport {
  /** Receive times (epoch ms) of actions, one per client that got one. */
  received: number[];
  acked: number;
  events: number;
  lost: number;
  /** Lost connections by reason. */
  lostReasons: Record<string, number>;
  /** CPU time (ms) the workers used, all together. */
  cpuMs: number;
}

export interface Fleet extends FleetCounts {
  workers: ChildProcess[];
  /** Collects and resets the workers' counters and receive times. */
  report: () => Promise<FleetReport>;
  stop: () => Promise<void>;
}

function sum(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Forks the simulated clients and resolves once every one of them connected (or failed). */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const keyCounts = options.keyFiles.map((file) => ({
    file,
    clients: (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length,
  }));
  const plans = planFleet({
    keyCounts,
    targets: options.targets,
    ...(options.sourceAddresses === undefined ? {} : { sourceAddresses: options.sourceAddresses }),
    ...(options.maxPerTarget === undefined ? {} : { maxPerTarget: options.maxPerTarget }),
  });
  const workers = plans.map((plan) => {
    const config: WorkerConfig = {
      mode: options.mode,
      targets: [...options.targets],
      offset: plan.offset,
      ...(plan.localAddress === undefined ? {} : { localAddress: plan.localAddress }),
      caFile: options.caFile,
      keysFile: plan.keysFile,
      pollWaitSeconds: options.pollWaitSeconds ?? DEFAULT_POLL_WAIT_SECONDS,
      concurrency: options.concurrency ?? 32,
      connectTimeoutMs: (options.connectTimeoutSeconds ?? 30) * 1000,
      connectDeadlineMs: (options.connectDeadlineSeconds ?? 900) * 1000,
      lifetimeMs: (options.lifetimeSeconds ?? 3600) * 1000,
    };
    const child = fork(WORKER, [], {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.NOTIFY_FLEET_PROFILE === undefined
          ? []
          : ['--cpu-prof', '--cpu-prof-dir', process.env.NOTIFY_FLEET_PROFILE]),
      ],
      env: { ...process.env, NOTIFY_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (options.niceness !== undefined && child.pid !== undefined) os.setPriority(child.pid, options.niceness);
    if (options.scheduling === 'batch' && child.pid !== undefined) setBatchScheduling(child.pid);
    return child;
  });
  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((w) => stopProcess(w)));
  };
  let counts: ConnectedMessage[];
  try {
    counts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<ConnectedMessage>((resolve, reject) => {
            const onMessage = (m: ConnectedMessage | ReportMessage): void => {
              if (m.type !== 'connected') return;
              w.off('message', onMessage);
              w.off('exit', onExit);
              resolve(m);
            };
            const onExit = (code: number | null): void =>
              reject(new Error(`a fleet worker exited with ${code} while connecting`));
            w.on('message', onMessage);
            w.once('exit', onExit);
          }),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const failures: Record<string, number> = {};
  const perTarget: Record<string, number> = {};
  for (const c of counts) {
    sum(failures, c.failures);
    sum(perTarget, c.perTarget);
  }
  return {
    workers,
    connected: counts.reduce((n, c) => n + c.connected, 0),
    failed: counts.reduce((n, c) => n + c.failed, 0),
    failures,
    connectSeconds: Math.max(...counts.map((c) => c.seconds)),
    perTarget,
    report: async () => {
      const reports = await Promise.all(
        workers.map(
          (w) =>
            new Promise<ReportMessage>((resolve) => {
              const on = (m: ConnectedMessage | ReportMessage): void => {
                if (m.type !== 'report') return;
                w.off('message', on);
                resolve(m);
              };
              w.on('message', on);
              w.send({ type: 'report' });
            }),
        ),
      );
      return {
        received: reports.flatMap((r) => r.received),
        acked: reports.reduce((n, r) => n + r.acked, 0),
        events: reports.reduce((n, r) => n + r.events, 0),
        lost: reports.reduce((n, r) => n + r.lost, 0),
        lostReasons: sumCounts(reports.map((r) => r.lostReasons)),
        cpuMs: reports.reduce((n, r) => n + r.cpuMs, 0),
      };
    },
    stop,
  };
}
