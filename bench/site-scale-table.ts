// The results tables of the full-site run (bench/site-scale.ts), in markdown.
import type { RatioRow } from './ratio-summary.js';
import type { BareSiteResult } from './site-scale-bare.js';
import { CONNECT_RATE_EARLY, type SiteScaleResult } from './site-scale.js';

/** The results table (markdown) of one run. */
export function printSiteScale(r: SiteScaleResult): void {
  const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  console.log(`\n## One site at full size: ${r.clients} clients over ${r.processes} MP processes on PostgreSQL`);
  console.log(
    `Site server + ${r.processes - 1} \`siteport server --role mp\` processes on 127.0.1.1–${r.processes}, one PostgreSQL 15 cluster; ${r.workers} fleet worker processes (niceness ${r.niceness}, scheduling ${r.scheduling}) on loopback source addresses 127.0.2.x, each client with a real Ed25519 key, TLS to its MP's notification port with challenge authentication; liveness \`${r.liveness}\` (${r.liveness === 'tcp' ? 'kernel TCP keep-alive, no pings' : 'a ping per client per keep-alive interval'}); input backlog (\`net.core.netdev_max_backlog\`) ${r.inputBacklog} packets per CPU. Load average ${f(r.load[0], 1)} before, ${f(r.load[1], 1)} after.\n`,
  );
  console.log('| measure | value | target |');
  console.log('|---|---:|---|');
  console.log(`| clients connected (failed) | ${r.connected} (${r.failed}) | 150,000 |`);
  console.log(`| clients per MP process | ${Object.values(r.perMp).join(' / ')} | ≤ 19,500 each |`);
  console.log(`| time to connect all (s) | ${f(r.connectSeconds, 1)} | – |`);
  console.log(`| connections lost after they were ready (idle window and fan-out) | ${r.lost} | 0 |`);
  console.log(
    `| connect rate around ${CONNECT_RATE_EARLY.toLocaleString('en')} / around ${r.connectRate.lateAt.toLocaleString('en')} connected (clients/s) | ${f(r.connectRate.early)} / ${f(r.connectRate.late)} | – |`,
  );
  console.log(
    `| server RSS, all siteport processes (MiB) | ${f(r.serverRssMiB)} (${f((r.serverRssMiB * 1024) / Math.max(1, r.connected), 1)} KiB per client) | – |`,
  );
  console.log(`| PostgreSQL RSS (MiB) | ${f(r.postgresRssMiB)} | – |`);
  console.log(
    `| idle server CPU, all siteport processes (cores) | ${f(r.idleCpuCores, 3)} (${f(r.baseCpuCores, 3)} before any client connected) | – |`,
  );
  console.log(
    `| fan-out: acknowledged / received | ${r.fanout.acknowledged} / ${r.fanout.received} (results: ${JSON.stringify(r.fanout.outcomes)}) | all |`,
  );
  console.log(
    `| fan-out delivery p50 / p99 / max (ms) | ${f(r.fanout.p50Ms)} / ${f(r.fanout.p99Ms)} / ${f(r.fanout.maxMs)} | p99 ≤ 5000 |`,
  );
  console.log(`| fan-out: admin call answered with every result (ms) | ${f(r.fanout.answerMs)} | – |`);
  console.log(
    `| fan-out CPU: siteport processes / PostgreSQL (s) | ${f(r.fanout.serverCpuSeconds, 1)} / ${f(r.fanout.postgresCpuSeconds, 1)} | – |`,
  );
  if (r.bare !== undefined) printBare(r, r.bare);
  if (r.failed > 0) console.log(`\nConnection failures by reason: ${JSON.stringify(r.failures)}`);
  if (r.lost > 0) console.log(`\nReady connections lost, by reason: ${JSON.stringify(r.lostReasons)}`);
  console.log('\nWhat the kernel counted (whole machine), by phase:\n');
  console.log(
    '| phase | input backlog drops | softirq squeezes | keep-alive probes | aborted on timeout | listen drops |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [phase, k] of Object.entries(r.kernel))
    console.log(
      `| ${phase} | ${k.backlogDrops} | ${k.timeSqueezes} | ${k.keepAliveProbes} | ${k.abortsOnTimeout} | ${k.listenDrops} |`,
    );
}

/** The same fleet held by bare TLS servers, beside siteport's figures. */
function printBare(r: SiteScaleResult, b: BareSiteResult): void {
  const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  console.log(
    `\nThe bare floor, same run: ${r.processes} bare Node.js TLS servers (bench/bare-tls-server.mjs) on the same addresses, the same fleet in \`bare\` mode (holds the connection, answers each frame), no pings.\n`,
  );
  console.log('| measure | siteport | bare TLS |');
  console.log('|---|---:|---:|');
  console.log(`| connected (failed) | ${r.connected} (${r.failed}) | ${b.connected} (${b.failed}) |`);
  console.log(`| time to connect all (s) | ${f(r.connectSeconds, 1)} | ${f(b.connectSeconds, 1)} |`);
  console.log(
    `| connect rate around ${CONNECT_RATE_EARLY.toLocaleString('en')} / around ${r.connectRate.lateAt.toLocaleString('en')} connected (clients/s) | ${f(r.connectRate.early)} / ${f(r.connectRate.late)} | ${f(b.connectRate.early)} / ${f(b.connectRate.late)} |`,
  );
  if (b.failed > 0) console.log(`\nBare connection failures by reason: ${JSON.stringify(b.failures)}\n`);
  console.log(
    `| server RSS per connected client (KiB) | ${f((r.serverRssMiB * 1024) / Math.max(1, r.connected), 1)} | ${f((b.rssMiB * 1024) / Math.max(1, b.connected), 1)} |`,
  );
  console.log(
    `| of that above the processes' RSS with no client (KiB) | ${f(((r.serverRssMiB - r.serverBaseRssMiB) * 1024) / Math.max(1, r.connected), 1)} | ${f(((b.rssMiB - b.baseRssMiB) * 1024) / Math.max(1, b.connected), 1)} |`,
  );
  console.log(`| idle server CPU (cores) | ${f(r.idleCpuCores, 3)} | ${f(b.idleCpuCores, 3)} |`);
  console.log(
    `| fan-out received / answered | ${r.fanout.received} / ${r.fanout.acknowledged} | ${b.fanout.received} / ${b.fanout.answered} |`,
  );
  console.log(
    `| fan-out p50 / p99 / max (ms) | ${f(r.fanout.p50Ms)} / ${f(r.fanout.p99Ms)} / ${f(r.fanout.maxMs)} | ${f(b.fanout.p50Ms)} / ${f(b.fanout.p99Ms)} / ${f(b.fanout.maxMs)} |`,
  );
}

/** The full site against its bare floor of the same run: idle CPU, memory per client, fan-out p99. */
export function scaleBareRatios(r: SiteScaleResult): RatioRow[] {
  const b = r.bare;
  if (b === undefined) return [];
  const n = r.connected.toLocaleString('en');
  const perClient = (mib: number, connected: number): number => (mib * 1024) / Math.max(1, connected);
  return [
    {
      path: `idle server CPU at ${n} connected (liveness ${r.liveness})`,
      baseline: 'bare TLS servers holding the same fleet',
      ratio: r.idleCpuCores / b.idleCpuCores,
      target: { atMost: 1.3 },
      note: `${r.idleCpuCores.toFixed(3)} vs ${b.idleCpuCores.toFixed(3)} cores; siteport ${r.baseCpuCores.toFixed(3)} before any client connected`,
    },
    {
      // Per client: what the processes hold above their own RSS with no client (each side's
      // fixed part — runtimes, modules, database pool — is not a client's); the totals in the note.
      path: `server memory per client at ${n} connected`,
      baseline: 'bare TLS servers holding the same fleet',
      ratio:
        perClient(r.serverRssMiB - r.serverBaseRssMiB, r.connected) / perClient(b.rssMiB - b.baseRssMiB, b.connected),
      target: { atMost: 1.15 },
      note: `${perClient(r.serverRssMiB - r.serverBaseRssMiB, r.connected).toFixed(1)} vs ${perClient(b.rssMiB - b.baseRssMiB, b.connected).toFixed(1)} KiB above the RSS with no client; with it ${perClient(r.serverRssMiB, r.connected).toFixed(1)} vs ${perClient(b.rssMiB, b.connected).toFixed(1)} KiB (${r.processes} processes each)`,
    },
    {
      path: `connect rate late against early at ${n}, against the same for bare TLS`,
      baseline: 'bare TLS servers connecting the same fleet (their late / early rate)',
      ratio: r.connectRate.late / r.connectRate.early / (b.connectRate.late / b.connectRate.early),
      target: { atLeast: 0.9 },
      note: `siteport ${r.connectRate.late.toFixed(0)} / ${r.connectRate.early.toFixed(0)}, bare ${b.connectRate.late.toFixed(0)} / ${b.connectRate.early.toFixed(0)} clients/s`,
    },
    {
      path: `fan-out p99 at ${n} connected`,
      baseline: 'bare TLS servers writing one frame to the same fleet',
      ratio: r.fanout.p99Ms / b.fanout.p99Ms,
      target: { atMost: 1.2 },
      note: `${r.fanout.p99Ms.toFixed(0)} vs ${b.fanout.p99Ms.toFixed(0)} ms; ${r.fanout.acknowledged} and ${b.fanout.answered} answered`,
    },
  ];
}
