// `node --import tsx bench/notify-only.ts`: runs only the notification benchmark and prints its
// tables and its rows of the ratio table (exits 1 when one misses its target).
// NOTIFY_BENCH_CLIENTS (2000), NOTIFY_BENCH_HOLD_SECONDS (120), NOTIFY_BENCH_PER_WORKER (2500),
// NOTIFY_BENCH_POLL_WAIT (the agent's default), NOTIFY_BENCH_NICE (0), NOTIFY_BENCH_SCHED (other|batch: the fleet workers' scheduling policy), NOTIFY_BENCH_PROFILE (DIR: CPU profiles of the servers), NOTIFY_BENCH_PUSHES (3: pushes per channel, medians reported).
import { notifyBenchOptionsFromEnv } from './notify-bench-env.js';
import { notifyBench } from './notify-bench.js';
import { notifyRatios, printNotifyTable } from './notify-table.js';
import { RatioSummary } from './ratio-summary.js';

const result = await notifyBench(notifyBenchOptionsFromEnv());
printNotifyTable(result);
const ratios = new RatioSummary();
for (const row of notifyRatios(result)) ratios.add(row);
for (const line of ratios.lines()) console.log(line);
if (ratios.missed.length > 0) process.exitCode = 1;
