// `npm run bench:guard`: the regression guard. A short bench (under two minutes on a quiet
// machine) of the throughput and memory ratios to their bare baselines, each compared with the
// last recorded one in bench/baseline.json; exits 1 when a ratio is more than the baseline's
// tolerance (15 %) worse. The throughput part loads the MP and both bare servers at the same time
// on the same CPU, so load from elsewhere on the machine lands on all three alike, and guards the
// server CPU time per request (bare / MP): the throughput a CPU-bound server reaches, and in
// trials here steadier than the requests per second of the same runs (docs/benchmarks.md). A part that
// misses is measured once more, and only a second miss fails: a real regression misses twice, a
// burst of load from elsewhere rarely does.
// `npm run bench:guard -- --record` writes the measured ratios as the new baseline.
// GUARD_SECONDS (3), GUARD_ROUNDS (3), GUARD_CONNECTIONS (50), GUARD_CLIENTS (100): the throughput part.
// GUARD_MEMORY_CLIENTS (3000): the memory part. GUARD_RECORD_RUNS (3): `--record` keeps the worst
// of this many runs of each ratio. GUARD_BASELINE: another baseline file.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Comparison,
  type GuardedRatio,
  compare,
  guardLines,
  readBaseline,
  writeBaseline,
} from './guard-baseline.js';
import { memoryRatio } from './guard-memory.js';
import { mpThroughput } from './mp-throughput.js';

const BASELINE = process.env.GUARD_BASELINE ?? fileURLToPath(new URL('./baseline.json', import.meta.url));
const DEFAULT_TOLERANCE = 0.15;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return value;
}

const options = {
  seconds: positiveInteger('GUARD_SECONDS', 3),
  rounds: positiveInteger('GUARD_ROUNDS', 3),
  connections: positiveInteger('GUARD_CONNECTIONS', 50),
  clients: positiveInteger('GUARD_CLIENTS', 100),
  memoryClients: positiveInteger('GUARD_MEMORY_CLIENTS', 3000),
  recordRuns: positiveInteger('GUARD_RECORD_RUNS', 3),
};

/** One measured part of the guard: its ratios, measured together. */
interface Part {
  name: string;
  measure: () => Promise<GuardedRatio[]>;
}

const parts: Part[] = [
  {
    name: 'throughput',
    measure: async () => {
      const rows = await mpThroughput({ ...options, postgres: false, concurrent: true });
      return rows.map((r): GuardedRatio => {
        const policy = r.endpoint.startsWith('policy');
        const name = policy ? 'policy' : 'heartbeat';
        const baseline = policy ? r.bare : r.bareMac;
        return {
          key: `${name}-cpu-sqlite`,
          path: `bare node:http${policy ? '' : ' + MACs'} CPU per request / MP ${name} CPU per request (SQLite)`,
          better: 'higher',
          ratio: baseline.cpuMicros / r.mp.cpuMicros,
          note: `${baseline.cpuMicros.toFixed(0)} vs ${r.mp.cpuMicros.toFixed(0)} µs; ${baseline.rate.toFixed(0)} vs ${r.mp.rate.toFixed(0)} req/s`,
        };
      });
    },
  },
  {
    name: 'memory',
    measure: async () => {
      const m = await memoryRatio(options.memoryClients);
      const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
      return [
        {
          key: 'notification-memory-per-client',
          path: `RSS per client, TCP notification channel / bare TLS socket (${m.clients} clients)`,
          better: 'lower',
          ratio: m.ratio,
          note: `${kib(m.tcpBytesPerClient)} vs ${kib(m.bareBytesPerClient)} KiB`,
        },
      ];
    },
  },
];

const record = process.argv.includes('--record');
const started = Date.now();
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`siteport regression guard, ${new Date().toISOString()}, ${machine}, load ${os.loadavg()[0]?.toFixed(2)}`);

if (record) {
  // The worst of several measurements: the guard then fires on a drop below what noise produced.
  const measured = new Map<string, GuardedRatio>();
  for (let run = 0; run < options.recordRuns; run++)
    for (const part of parts)
      for (const r of await part.measure()) {
        const previous = measured.get(r.key);
        if (previous === undefined || betterThan(previous, r)) measured.set(r.key, r);
        console.log(`run ${run + 1}: ${r.key} ${r.ratio.toFixed(3)} (${r.note})`);
      }
  let tolerance = DEFAULT_TOLERANCE;
  try {
    tolerance = readBaseline(BASELINE).tolerance;
  } catch {
    // No baseline yet: the default tolerance.
  }
  writeBaseline(BASELINE, {
    recorded: new Date().toISOString(),
    command: 'npm run bench:guard -- --record',
    machine,
    tolerance,
    ratios: Object.fromEntries([...measured.values()].map((r) => [r.key, Number(r.ratio.toFixed(3))])),
  });
  console.log(`recorded the worst of ${options.recordRuns} runs of ${measured.size} ratios in ${BASELINE}`);
} else {
  const baseline = readBaseline(BASELINE);
  const comparisons: Comparison[] = [];
  let confirmed = 0;
  for (const part of parts) {
    let result = (await part.measure()).map((r) => compare(r, baseline));
    if (result.some((c) => c.verdict === 'worse')) {
      console.log(`${part.name}: a ratio is worse than recorded; measuring the part once more`);
      confirmed += 1;
      const again = (await part.measure()).map((r) => compare(r, baseline));
      // A ratio fails only when both measurements miss; the better one is reported.
      result = result.map((first, i) => {
        const second = again[i]!;
        if (first.verdict !== 'worse') return first;
        return second.verdict === 'worse' && !betterThan(second.measured, first.measured) ? first : second;
      });
    }
    comparisons.push(...result);
  }
  console.log(
    `\nBaseline: ${BASELINE} (recorded ${baseline.recorded} with \`${baseline.command}\` on ${baseline.machine}).\n`,
  );
  for (const line of guardLines(comparisons, baseline.tolerance)) console.log(line);
  const worse = comparisons.filter((c) => c.verdict === 'worse');
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `\n${comparisons.length - worse.length} ratios held, ${worse.length} worse than recorded (${seconds} s${confirmed > 0 ? `, ${confirmed} part${confirmed === 1 ? '' : 's'} measured twice` : ''}).`,
  );
  if (worse.length > 0) {
    console.log(
      'A ratio got worse: profile the path (docs/benchmarks.md, "Regression guard"); if the change is intended, record a new baseline with npm run bench:guard -- --record and say why in the commit.',
    );
    process.exitCode = 1;
  }
}

function betterThan(a: GuardedRatio, b: GuardedRatio): boolean {
  return a.better === 'higher' ? a.ratio > b.ratio : a.ratio < b.ratio;
}
