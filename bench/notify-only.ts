// `node --import tsx bench/notify-only.ts`: runs only the notification benchmark and prints its table.
import { notifyBench } from './notify-bench.js';
import { printNotifyTable } from './notify-table.js';

const clients = Number(process.env.NOTIFY_BENCH_CLIENTS ?? 2000);
const holdSeconds = Number(process.env.NOTIFY_BENCH_HOLD_SECONDS ?? 60);
printNotifyTable(await notifyBench({ clients, holdSeconds }));
