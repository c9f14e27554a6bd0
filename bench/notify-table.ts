import os from 'node:os';
import type { NotifyBenchResult } from './notify-bench.js';

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

/** Prints the notification benchmark as markdown, with each target next to its number. */
export function printNotifyTable(r: NotifyBenchResult): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n## Notification channel (${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version})`);
  console.log(
    `${r.clients} simulated clients on loopback, real protocol (TLS + Ed25519 challenge, or signed HTTPS long-polls with 50 s waits, the agent default), one MP process; keep-alive 60 s; idle CPU over ${r.holdSeconds} s; one \`policy\` push to all (\`POST /api/v1/notify {"all":true}\`), latency = client receive time − push start.\n`,
  );
  console.log('| measure | bare TLS server | TCP channel | HTTPS long-poll | target |');
  console.log('|---|---:|---:|---:|---|');
  console.log(`| clients connected (failed) | ${r.bare.connected} | ${r.tcp.connected} (${r.tcp.failed}) | ${r.poll.connected} (${r.poll.failed}) | ≥ 19,000 |`);
  console.log(`| time to connect all (s) | – | ${r.tcp.connectSeconds.toFixed(1)} | ${r.poll.connectSeconds.toFixed(1)} | – |`);
  console.log(
    `| server RSS per client (KiB) | ${kib(r.bare.rssPerClient)} | ${kib(r.tcp.rssPerClient)} (${(r.tcp.rssPerClient / r.bare.rssPerClient).toFixed(2)} × bare) | ${kib(r.poll.rssPerClient)} (${(r.poll.rssPerClient / r.tcp.rssPerClient).toFixed(2)} × TCP) | TCP ≤ 1.25 × bare; poll ≤ 2 × TCP |`,
  );
  console.log(
    `| idle server CPU per client (ms/min) | – | ${r.tcp.idleCpuMsPerClientMinute.toFixed(3)} | ${r.poll.idleCpuMsPerClientMinute.toFixed(3)} (${(r.poll.idleCpuMsPerClientMinute / r.tcp.idleCpuMsPerClientMinute).toFixed(2)} × TCP) | poll ≤ 2 × TCP |`,
  );
  console.log(
    `| fan-out server CPU per client (ms) | – | ${r.tcp.fanoutCpuMsPerClient.toFixed(3)} | ${r.poll.fanoutCpuMsPerClient.toFixed(3)} (${(r.poll.fanoutCpuMsPerClient / r.tcp.fanoutCpuMsPerClient).toFixed(2)} × TCP) | poll ≤ 2 × TCP |`,
  );
  console.log(`| action received / acknowledged | – | ${r.tcp.received} / ${r.tcp.acknowledged} | ${r.poll.received} / ${r.poll.acknowledged} | all |`);
  console.log(`| delivery p50 / p99 / max (ms) | – | ${r.tcp.p50Ms.toFixed(0)} / ${r.tcp.p99Ms.toFixed(0)} / ${r.tcp.maxMs.toFixed(0)} | ${r.poll.p50Ms.toFixed(0)} / ${r.poll.p99Ms.toFixed(0)} / ${r.poll.maxMs.toFixed(0)} | p99 ≤ 1000 |`);
}
