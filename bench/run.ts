// `npm run bench`: runs siteport's benchmarks and prints their results tables (markdown), then one
// table of every ratio to a bare baseline of the same run with its target; exits 1 when one is missed.
// BENCH_SECONDS (4), BENCH_ROUNDS (5), BENCH_CONNECTIONS (50), BENCH_CLIENTS (200): MP throughput.
// BENCH_ROLLOUT_SIZES ("1000,10000"), BENCH_ROLLOUT_INTERVAL (30 s), BENCH_ROLLOUT_MPS ("1,4"): safe port change
//   (1 MP: the site server alone on SQLite; more: site server + MP processes on PostgreSQL).
// SCALE_CLIENTS (150000), SCALE_MPS (8), SCALE_HOLD_SECONDS (60), SCALE_NICE (0, the fleet workers' niceness), SCALE_SCHED (other|batch, their scheduling policy), SCALE_PER_WORKER (10000), SCALE_CONNECT_SECONDS (1800, the fleet's connect deadline), SCALE_LIVENESS (ping|tcp, the MPs' --notify-liveness), SCALE_INPUT_BACKLOG (0 = unchanged; net.core.netdev_max_backlog for the run, root), SCALE_BARE (1: then bare TLS servers hold the same fleet, the floor of the idle CPU, memory and fan-out rows): one full site on PostgreSQL (BENCH_ONLY=scale).
// BENCH_AGENT_IDLE_SECONDS (60): agent idle cost.
// NOTIFY_BENCH_CLIENTS (2000), NOTIFY_BENCH_HOLD_SECONDS (120), …: notification channel (see notify-only.ts).
// CLIENTS_PAGE_CLIENTS (100000), CLIENTS_PAGE_MP_RATE (500), CLIENTS_PAGE_MP_SECONDS (10), CLIENTS_PAGE_ROUNDS (3): the clients list at scale.
// REACH_CLIENTS (100), REACH_SECONDS (4), REACH_REPEATS (3), REACH_WORKERS (8): the reachability map's probing cost (BENCH_ONLY=reachability).
// BENCH_ONLY ("throughput", "rollout", "agent", "notify", "scale", "clients-page" or "reachability") runs one part.
import os from 'node:os';
import { mpThroughput } from './mp-throughput.js';
import { fleetScheduling } from './notify-bench-env.js';
import { rolloutMove } from './rollout-move.js';
import { siteScale } from './site-scale.js';
import { printSiteScale, scaleBareRatios } from './site-scale-table.js';
import { agentIdle } from './agent-idle.js';
import { notifyBench } from './notify-bench.js';
import { notifyBenchOptionsFromEnv } from './notify-bench-env.js';
import { notifyRatios, printNotifyTable } from './notify-table.js';
import { clientsPage, printClientsPage } from './clients-page.js';
import { RatioSummary } from './ratio-summary.js';
import {
  DEFAULT_SCHEDULE,
  reachabilityCost,
  reachabilityCostLines,
  reachabilityCostOptionsFromEnv,
  reachabilityCostRatios,
} from './reachability-cost.js';

const only = process.env.BENCH_ONLY;
const ratios = new RatioSummary();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `siteport benchmarks, ${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(2) ?? '?'}`,
);

if (only === undefined || only === 'throughput') {
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const clients = Number(process.env.BENCH_CLIENTS ?? 200);
  console.log(`\n## MP request throughput`);
  console.log(
    `autocannon, ${connections} connections, ${seconds} s per run, the median of ${rounds} interleaved runs per server, ${clients} registered simulated clients, each with a client session opened once, every request carrying a fresh session MAC made by the load generator (decision 0062); plain HTTP on loopback. One MP process per row, on SQLite and on PostgreSQL. Where the machine has two CPUs and taskset, the load generator runs on CPU 0 and each server on CPU 1; the server's CPU time per request is read from /proc. Baselines: bare node:http returning the same body, written the same way (one string with the headers); and the same with the per-request crypto every server of the protocol does (request MAC and answer MAC, decision 0092) and the same answer headers. Requests per second of a bare server are bounded by the load generator as often as by the server; the CPU time per request is not.\n`,
  );
  console.log(
    '| site database | endpoint | bare node:http (req/s) | bare + same MACs (req/s) | siteport MP (req/s) | ratio to bare (target ≥ 0.8) | ratio to bare + MACs | server CPU per request, bare / bare + MACs / MP (µs) | CPU ratio, bare / MP |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const postgres of [false, true]) {
    const rows = await mpThroughput({ seconds, rounds, connections, clients, postgres });
    for (const r of rows) {
      const cpu = [r.bare, r.bareMac, r.mp].map((run) => run.cpuMicros.toFixed(0)).join(' / ');
      console.log(
        `| ${postgres ? 'PostgreSQL' : 'SQLite'} | ${r.endpoint} | ${r.bare.rate.toFixed(0)} | ${r.bareMac.rate.toFixed(0)} | ${r.mp.rate.toFixed(0)} | ${r.plainRatio.toFixed(2)} | ${r.ratio.toFixed(2)} | ${cpu} | ${r.cpuRatio.toFixed(2)} |`,
      );
      const db = postgres ? 'PostgreSQL' : 'SQLite';
      if (r.endpoint.startsWith('policy'))
        ratios.add({
          path: `MP policy request throughput (${db})`,
          baseline: 'node:http, the same 1 KB JSON',
          ratio: r.plainRatio,
          target: { atLeast: 0.9 },
          note: `${r.mp.rate.toFixed(0)} vs ${r.bare.rate.toFixed(0)} req/s`,
        });
      else
        ratios.add({
          path: `heartbeat with session MAC (${db})`,
          baseline: 'node:http + createHmac per request and answer',
          ratio: r.ratio,
          target: { atLeast: 0.9 },
          note: `${r.mp.rate.toFixed(0)} vs ${r.bareMac.rate.toFixed(0)} req/s`,
        });
    }
  }
}

if (only === undefined || only === 'rollout') {
  const sizes = (process.env.BENCH_ROLLOUT_SIZES ?? '1000,10000').split(',').map(Number);
  const interval = Number(process.env.BENCH_ROLLOUT_INTERVAL ?? 30);
  const mpCounts = (process.env.BENCH_ROLLOUT_MPS ?? '1,4').split(',').map(Number);
  console.log(`\n## Safe port change: N online simulated clients move to a new HTTPS port`);
  console.log(
    `1 MP: one siteport server process (SQLite). More: the site server and \`--role mp\` processes on 127.0.1.x sharing one PostgreSQL database, clients spread evenly over them. Simulated clients in one process over HTTPS (pinned site CA, Ed25519-signed heartbeat + policy once per policy interval, spread evenly); \`PATCH /ports\` moves HTTPS to a new port on every MP.\n`,
  );
  console.log(
    '| clients | MP processes | policy interval (s) | registration (s) | all clients on the new port after (s) | rollout finalized after (s) | stranded (target 0) | failed requests |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const mps of mpCounts) {
    for (const size of sizes) {
      const r = await rolloutMove(size, interval, mps);
      const n = (v: number | null): string => (v === null ? 'not reached' : v.toFixed(1));
      console.log(
        `| ${r.clients} | ${r.mps} | ${r.intervalSeconds} | ${r.registerSeconds.toFixed(1)} | ${n(r.allMovedSeconds)} | ${n(r.finalizedSeconds)} | ${r.stranded ?? 'n/a'} | ${r.failures} |`,
      );
      ratios.add({
        path: `port move, ${r.clients} clients, ${r.mps} MP process${r.mps === 1 ? '' : 'es'}`,
        baseline: 'one policy interval',
        // Stranded clients fail the row whatever the time.
        ratio: r.allMovedSeconds === null || r.stranded !== 0 ? Number.NaN : r.allMovedSeconds / r.intervalSeconds,
        target: { atMost: 1 },
        note: `all moved after ${n(r.allMovedSeconds)} s of ${r.intervalSeconds} s; stranded ${r.stranded ?? 'n/a'}`,
      });
    }
  }
}

if (only === undefined || only === 'agent') {
  const seconds = Number(process.env.BENCH_AGENT_IDLE_SECONDS ?? 60);
  const rows = await agentIdle(seconds);
  console.log(
    `\n## Agent idle cost (registered, policy interval 60 s, measured over ${seconds} s after 10 s of settling)\n`,
  );
  console.log('| agent | RSS (MiB, target ≤ 60) | CPU seconds per minute (target ≈ 0) |');
  console.log('|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.variant} | ${r.rssMiB.toFixed(1)} | ${r.cpuSecondsPerMinute.toFixed(3)} |`);
}

// Notification channel: NOTIFY_BENCH_CLIENTS (2000; 19000 is the target run),
// NOTIFY_BENCH_HOLD_SECONDS (120) and the others of bench/notify-only.ts; BENCH_ONLY=notify runs only this part.
if (only === undefined || only === 'notify') {
  const notify = await notifyBench(notifyBenchOptionsFromEnv());
  printNotifyTable(notify);
  for (const row of notifyRatios(notify)) ratios.add(row);
}

function scaleLiveness(value: string | undefined): 'ping' | 'tcp' {
  if (value === undefined || value === '' || value === 'ping') return 'ping';
  if (value === 'tcp') return 'tcp';
  throw new Error(`SCALE_LIVENESS must be ping or tcp, not ${JSON.stringify(value)}`);
}

// One full site: a site server and SCALE_MPS MP processes on PostgreSQL, SCALE_CLIENTS
// simulated clients on notification connections; BENCH_ONLY=scale runs only this part.
if (only === undefined || only === 'scale') {
  const scale = await siteScale({
    clients: Number(process.env.SCALE_CLIENTS ?? 150_000),
    mps: Number(process.env.SCALE_MPS ?? 8),
    holdSeconds: Number(process.env.SCALE_HOLD_SECONDS ?? 60),
    niceness: Number(process.env.SCALE_NICE ?? 0),
    scheduling: fleetScheduling(process.env.SCALE_SCHED, 'SCALE_SCHED'),
    liveness: scaleLiveness(process.env.SCALE_LIVENESS),
    inputBacklog: Number(process.env.SCALE_INPUT_BACKLOG ?? 0),
    bare: process.env.SCALE_BARE === '1',
    ...(process.env.SCALE_PER_WORKER === undefined ? {} : { perWorker: Number(process.env.SCALE_PER_WORKER) }),
    ...(process.env.SCALE_CONNECT_SECONDS === undefined
      ? {}
      : { connectDeadlineSeconds: Number(process.env.SCALE_CONNECT_SECONDS) }),
  });
  printSiteScale(scale);
  const { early, lateAt, late } = scale.connectRate;
  ratios.add({
    path: `connect rate at ${lateAt.toLocaleString('en')} connected vs at 10,000`,
    baseline: 'the same fleet around 10,000 connected',
    ratio: late / early,
    target: { atLeast: 0.5 },
    note: `${late.toFixed(0)} vs ${early.toFixed(0)} clients/s; ${scale.connected} of ${scale.clients} connected in ${scale.connectSeconds.toFixed(0)} s`,
  });
  for (const row of scaleBareRatios(scale)) ratios.add(row);
}

// The clients list at scale (decision 0100): one page, the filters and counts at 100,000 clients,
// and the MP's latency while a console polls; BENCH_ONLY=clients-page runs only this part.
if (only === undefined || only === 'clients-page') {
  const page = await clientsPage({
    clients: Number(process.env.CLIENTS_PAGE_CLIENTS ?? 100_000),
    mpRate: Number(process.env.CLIENTS_PAGE_MP_RATE ?? 500),
    mpSeconds: Number(process.env.CLIENTS_PAGE_MP_SECONDS ?? 10),
    rounds: Number(process.env.CLIENTS_PAGE_ROUNDS ?? 3),
  });
  printClientsPage(page);
  const listing = page.rows[0];
  if (listing?.bare !== undefined)
    ratios.add({
      path: `admin GET clients page at ${page.clients.toLocaleString('en')} clients (p50)`,
      baseline: 'node:http running the same SELECT',
      ratio: listing.siteport.p50 / listing.bare.p50,
      target: { atMost: 3 },
      note: `${listing.siteport.p50.toFixed(2)} vs ${listing.bare.p50.toFixed(2)} ms`,
    });
  const quiet = page.mp[0];
  for (const row of page.mp.slice(1, 3))
    if (quiet !== undefined)
      ratios.add({
        path: `MP request p99 while the console polls: ${row.console}`,
        baseline: 'MP p99 with no polling',
        ratio: row.p99 / quiet.p99,
        target: { atMost: 1.5 },
        note: `${row.p99.toFixed(2)} vs ${quiet.p99.toFixed(2)} ms`,
      });
}

// The MP cost of the reachability map's probing at the default schedule (decision 0109, 0115).
if (only === undefined || only === 'reachability') {
  const measure = await reachabilityCost(reachabilityCostOptionsFromEnv());
  for (const line of reachabilityCostLines(measure, DEFAULT_SCHEDULE)) console.log(line);
  for (const row of reachabilityCostRatios(measure, DEFAULT_SCHEDULE)) ratios.add(row);
}

for (const line of ratios.lines()) console.log(line);
if (ratios.missed.length > 0) process.exitCode = 1;
