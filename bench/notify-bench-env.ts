import type { NotifyBenchOptions } from './notify-bench.js';
import type { FleetScheduling } from './notify-fleet.js';

/** A fleet scheduling policy from an environment variable: `other` (default) or `batch`. */
export function fleetScheduling(value: string | undefined, name: string): FleetScheduling {
  if (value === undefined || value === '' || value === 'other') return 'other';
  if (value === 'batch') return 'batch';
  throw new Error(`${name} must be other or batch, not ${JSON.stringify(value)}`);
}

/** The notification benchmark's options from `NOTIFY_BENCH_*` environment variables. */
export function notifyBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyBenchOptions {
  return {
    clients: Number(env.NOTIFY_BENCH_CLIENTS ?? 2000),
    holdSeconds: Number(env.NOTIFY_BENCH_HOLD_SECONDS ?? 120),
    perWorker: Number(env.NOTIFY_BENCH_PER_WORKER ?? 2500),
    ...(env.NOTIFY_BENCH_POLL_WAIT === undefined ? {} : { pollWaitSeconds: Number(env.NOTIFY_BENCH_POLL_WAIT) }),
    niceness: Number(env.NOTIFY_BENCH_NICE ?? 0),
    scheduling: fleetScheduling(env.NOTIFY_BENCH_SCHED, 'NOTIFY_BENCH_SCHED'),
    pushes: Number(env.NOTIFY_BENCH_PUSHES ?? 3),
  };
}
