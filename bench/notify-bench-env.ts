import type { NotifyBenchOptions } from './notify-bench.js';

/** The notification benchmark's options from `NOTIFY_BENCH_*` environment variables. */
export function notifyBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyBenchOptions {
  const modes = (env.NOTIFY_BENCH_MODES ?? 'tcp,poll').split(',').filter((m): m is 'tcp' | 'poll' => m === 'tcp' || m === 'poll');
  return {
    clients: Number(env.NOTIFY_BENCH_CLIENTS ?? 2000),
    holdSeconds: Number(env.NOTIFY_BENCH_HOLD_SECONDS ?? 60),
    perWorker: Number(env.NOTIFY_BENCH_PER_WORKER ?? 2500),
    modes,
    niceness: Number(env.NOTIFY_BENCH_NICE ?? 0),
  };
}
