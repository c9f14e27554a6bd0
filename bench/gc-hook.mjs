// Preloaded (`--expose-gc --import`) into the benchmark's server processes only: SIGUSR2 runs a
// full garbage collection, so RSS is read with retained memory only, not garbage not yet collected.
// With BENCH_HEAP_DIR set, SIGPWR runs two full collections and writes a V8 heap snapshot there
// (`PID-N.heapsnapshot`, renamed from `.part` once complete, with `process.memoryUsage()` beside
// it in `PID-N.heapsnapshot.json`) for bench/heap-top.ts.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

process.on('SIGUSR2', () => globalThis.gc?.());
const heapDir = process.env.BENCH_HEAP_DIR;
let snapshots = 0;
if (heapDir !== undefined && heapDir !== '') {
  process.on('SIGPWR', () => {
    globalThis.gc?.();
    globalThis.gc?.();
    snapshots += 1;
    const file = path.join(heapDir, `${process.pid}-${snapshots}.heapsnapshot`);
    // The process's memory as Node.js splits it, read before the snapshot adds its own.
    writeFileSync(`${file}.json`, JSON.stringify(process.memoryUsage()));
    v8.writeHeapSnapshot(`${file}.part`);
    renameSync(`${file}.part`, file);
  });
}
