import os from 'node:os';
import type { ChannelRun, NotifyBenchResult } from './notify-bench.js';

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const ms = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(0));

/** Prints the notification benchmark as markdown, with each target next to its number. */
export function printNotifyTable(r: NotifyBenchResult): void {
  const o = r.options;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const tcp = r.tcp;
  const poll = r.poll;
  const cell = (run: ChannelRun | undefined, text: (x: ChannelRun) => string): string => (run === undefined ? 'not run' : text(run));
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '' : ` (${(a / b).toFixed(2)} × TCP)`);
  console.log(`\n## Notification channel (${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version})`);
  console.log(
    `${r.clients} simulated clients on loopback in ${o.workers} worker processes (source addresses ${o.sourceAddresses[0]}…${o.sourceAddresses.at(-1)}), real protocol (TLS + Ed25519 challenge; or a poll session opened with a signed request, then HTTPS long-polls with its MAC waiting ${o.pollWaitSeconds} s), one MP process; keep-alive ${o.keepAliveSeconds} s; one \`policy\` push to all (\`POST /api/v1/notify {"all":true}\`), latency = client receive time − push start. Load average (1 min) before → after: bare ${r.bare.load.map((l) => l.toFixed(1)).join(' → ')}, TCP ${cell(tcp, (x) => x.load.map((l) => l.toFixed(1)).join(' → '))}, long-poll ${cell(poll, (x) => x.load.map((l) => l.toFixed(1)).join(' → '))}.\n`,
  );
  console.log('| measure | bare TLS server | TCP channel | HTTPS long-poll | target |');
  console.log('|---|---:|---:|---:|---|');
  console.log(`| clients connected (failed) | ${r.bare.connected} | ${cell(tcp, (x) => `${x.connected} (${x.failed})`)} | ${cell(poll, (x) => `${x.connected} (${x.failed})`)} | ≥ 19,000 |`);
  console.log(`| time to connect all (s) | – | ${cell(tcp, (x) => x.connectSeconds.toFixed(1))} | ${cell(poll, (x) => x.connectSeconds.toFixed(1))} | – |`);
  console.log(
    `| server RSS per client (KiB) | ${kib(r.bare.rssPerClient)} | ${cell(tcp, (x) => `${kib(x.rssPerClient)} (${(x.rssPerClient / r.bare.rssPerClient).toFixed(2)} × bare)`)} | ${cell(poll, (x) => `${kib(x.rssPerClient)}${ratio(x.rssPerClient, tcp?.rssPerClient)}`)} | TCP ≤ 1.25 × bare; poll ≤ 2 × TCP |`,
  );
  console.log(
    `| idle window (s) / pings or polls per client in it | – | ${cell(tcp, (x) => `${x.idleWindowSeconds} / ${x.idleEventsPerClient.toFixed(2)}`)} | ${cell(poll, (x) => `${x.idleWindowSeconds} / ${x.idleEventsPerClient.toFixed(2)}`)} | – |`,
  );
  console.log(`| server CPU with no client (ms/min) | – | ${cell(tcp, (x) => x.baseCpuMsPerMinute.toFixed(0))} | ${cell(poll, (x) => x.baseCpuMsPerMinute.toFixed(0))} | – |`);
  console.log(
    `| idle server CPU per client, above that (ms/min) | – | ${cell(tcp, (x) => x.idleCpuMsPerClientMinute.toFixed(3))} | ${cell(poll, (x) => `${x.idleCpuMsPerClientMinute.toFixed(3)}${ratio(x.idleCpuMsPerClientMinute, tcp?.idleCpuMsPerClientMinute)}`)} | poll ≤ 2 × TCP |`,
  );
  console.log(
    `| fan-out server CPU per client (ms) | – | ${cell(tcp, (x) => x.fanoutCpuMsPerClient.toFixed(3))} | ${cell(poll, (x) => `${x.fanoutCpuMsPerClient.toFixed(3)}${ratio(x.fanoutCpuMsPerClient, tcp?.fanoutCpuMsPerClient)}`)} | poll ≤ 2 × TCP |`,
  );
  console.log(`| action received / acknowledged | – | ${cell(tcp, (x) => `${x.received} / ${x.acknowledged}`)} | ${cell(poll, (x) => `${x.received} / ${x.acknowledged}`)} | all |`);
  console.log(`| delivery p50 / p99 / max (ms) | – | ${cell(tcp, (x) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)} / ${ms(x.maxMs)}`)} | ${cell(poll, (x) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)} / ${ms(x.maxMs)}`)} | p99 ≤ 1000 |`);
  console.log(`| fleet's own CPU for the push, all workers (ms) | – | ${cell(tcp, (x) => ms(x.fleetPushCpuMs))} | ${cell(poll, (x) => ms(x.fleetPushCpuMs))} | – |`);
  console.log(`| all acknowledged after (ms) | – | ${cell(tcp, (x) => ms(x.allAcknowledgedMs))} | ${cell(poll, (x) => ms(x.allAcknowledgedMs))} | – |`);
  for (const run of [tcp, poll]) {
    if (run !== undefined && run.failed > 0) console.log(`\n${run.mode} failures: ${Object.entries(run.failures).map(([k, v]) => `${v} × ${k}`).join('; ')}`);
  }
}
