import type { NotifyBenchOptions } from './notify-bench.js';

/** The notification benchmark's options from `NOTIFY_BENCH_*` environment variables. */
export function notifyBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyBenchOptions {
  return {
    clients: Number(env.NOTIFY_BENCH_CLIENTS ?? 2000),
    holdSeconds: Number(env.NOTIFY_BENCH_HOLD_SECONDS ?? 120),
    perWorker: Number(env.NOTIFY_BENCH_PER_WORKER ?? 2500),
    ...(env.NOTIFY_BENCH_POLL_WAIT === undefined ? {} : { pollWaitSeconds: Number(env.NOTIFY_BENCH_POLL_WAIT) }),
    niceness: Number(env.NOTIFY_BENCH_NICE ?? 0),
  };
}
