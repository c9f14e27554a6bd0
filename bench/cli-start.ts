// `npm run bench:cli`: how long a `siteport` command takes to start and finish, beside a bare
// `node -e 0` in the same run. Builds the compiled CLI first (as `npm test` does), then runs every
// command once per round, the commands interleaved, and prints the median of the rounds.
// BENCH_CLI_ROUNDS (15): rounds. BENCH_CLI_SOURCE (1): 0 leaves out the rows that run the
// TypeScript sources through tsx (SITEPORT_FROM_SOURCE=1, how every command started before the build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'apps/cli/bin/siteport.js');
/** GNU time reports the peak RSS of one child; without it the column says '-'. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Row {
  label: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Wall-clock bound in ms, where one is set. */
  target?: number;
}

interface Run {
  wallMs: number;
  cpuMs: number | undefined;
  rssMiB: number | undefined;
}

function runOnce(row: Row): Run {
  const command = [process.execPath, ...row.args];
  const [file, ...args] = GNU_TIME === undefined ? command : [GNU_TIME, '-f', 'siteport-bench %U %S %M', ...command];
  const started = process.hrtime.bigint();
  const r = spawnSync(file!, args, { encoding: 'utf8', env: { ...process.env, ...row.env } });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${row.label} exited with ${r.status}: ${r.stderr}`);
  const times = /siteport-bench ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (times === null) return { wallMs, cpuMs: undefined, rssMiB: undefined };
  return { wallMs, cpuMs: (Number(times[1]) + Number(times[2])) * 1000, rssMiB: Number(times[3]) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rounds = Number(process.env.BENCH_CLI_ROUNDS ?? 15);
const withSource = process.env.BENCH_CLI_SOURCE !== '0';

const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs'), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const work = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-cli-'));
try {
  const state = path.join(work, 'client');
  const setup = spawnSync(process.execPath, [BIN, 'setup', '--state', state, 'SMSSITECODE=BEN', 'SMSMP=mp.invalid'], {
    encoding: 'utf8',
  });
  if (setup.status !== 0) throw new Error(`siteport setup failed: ${setup.stderr}`);

  const source = { SITEPORT_FROM_SOURCE: '1' };
  const rows: Row[] = [
    { label: '`node -e 0`', args: ['-e', '0'] },
    { label: '`siteport --help`', args: [BIN, '--help'], target: 300 },
    { label: '`siteport --version`', args: [BIN, '--version'] },
    { label: '`siteport client status --state DIR`', args: [BIN, 'client', 'status', '--state', state], target: 300 },
    ...(withSource
      ? [
          { label: '`siteport --help`, sources through tsx', args: [BIN, '--help'], env: source },
          {
            label: '`siteport client status --state DIR`, sources through tsx',
            args: [BIN, 'client', 'status', '--state', state],
            env: source,
          },
        ]
      : []),
  ];
  // One unmeasured round warms the page cache and tsx's transform cache.
  for (const row of rows) runOnce(row);
  const runs = rows.map((): Run[] => []);
  for (let round = 0; round < rounds; round++) rows.forEach((row, i) => runs[i]!.push(runOnce(row)));

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `siteport CLI start-up, ${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(2) ?? '?'}`,
  );
  console.log(
    `Median of ${rounds} interleaved rounds; wall time as the parent sees it (spawn to exit)${GNU_TIME === undefined ? '' : ', CPU time and peak RSS from GNU time'}.\n`,
  );
  console.log('| command | median wall (ms) | ratio to `node -e 0` | median CPU (ms) | peak RSS (MiB) | target |');
  console.log('|---|---:|---:|---:|---:|---|');
  const base = median(runs[0]!.map((r) => r.wallMs));
  const stamp = JSON.parse(readFileSync(path.join(ROOT, 'apps/cli/dist/build.json'), 'utf8')) as {
    startedAt: number;
    inputs: string[];
  };
  // A source edited during the run sends the bin to the tsx path: those rows would not be the build's.
  const changed = stamp.inputs.find(
    (file) => (statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > stamp.startedAt,
  );
  if (changed !== undefined)
    throw new Error(
      `${changed} changed during the run, so the bin ran the sources; run the bench on a tree nobody edits`,
    );
  const checks: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (const file of stamp.inputs) statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    checks.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  rows.forEach((row, i) => {
    const wall = median(runs[i]!.map((r) => r.wallMs));
    const cpuMs = runs[i]!.every((r) => r.cpuMs !== undefined) ? median(runs[i]!.map((r) => r.cpuMs!)).toFixed(0) : '-';
    const rss = runs[i]!.every((r) => r.rssMiB !== undefined) ? median(runs[i]!.map((r) => r.rssMiB!)).toFixed(0) : '-';
    const target = row.target === undefined ? '' : `≤ ${row.target} ms: ${wall <= row.target ? 'met' : 'NOT met'}`;
    console.log(`| ${row.label} | ${wall.toFixed(0)} | ${(wall / base).toFixed(2)} | ${cpuMs} | ${rss} | ${target} |`);
  });
  console.log(
    `\nThe bin's up-to-date check, one stat of each of the build's ${stamp.inputs.length} sources: median ${median(checks).toFixed(2)} ms.`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
