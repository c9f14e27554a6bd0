import os from 'node:os';
import type { ChannelRun, NotifyBenchResult } from './notify-bench.js';

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const ms = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(0));
const times = (a: number, b: number, what: string): string => (b === 0 ? '' : ` (${(a / b).toFixed(2)} × ${what})`);

/** Prints the notification benchmark as markdown, with each target next to its number. */
export function printNotifyTable(r: NotifyBenchResult): void {
  const { options: o, tcp, poll } = r;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const row = (
    measure: string,
    bare: string,
    t: (x: ChannelRun) => string,
    p: (x: ChannelRun) => string,
    target: string,
  ): void => console.log(`| ${measure} | ${bare} | ${t(tcp)} | ${p(poll)} | ${target} |`);
  console.log(
    `\n## Notification channel (${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version})`,
  );
  console.log(
    `${r.clients} simulated clients on loopback in ${o.workers} worker processes per fleet (source addresses ${o.sourceAddresses[0]}…${o.sourceAddresses.at(-1)}, niceness ${o.niceness}, scheduling ${o.scheduling}), ` +
      `real protocol: TLS + Ed25519 challenge, pings every ${o.keepAliveSeconds} s; or a client session opened with a signed request, then HTTPS long-polls with its MAC waiting ${o.pollWaitSeconds} s. ` +
      `The TCP and long-poll MP processes run side by side (same clients, two sites), idle CPU over the same ${Math.max(o.holdSeconds, o.keepAliveSeconds, o.pollWaitSeconds)} s window; ` +
      `then one \`policy\` push to all on each (\`POST /api/v1/notify {"all":true}\`), latency = receive time in the fleet worker − push start. ` +
      `Load average (1 min): ${r.load[0].toFixed(1)} at the start, ${tcp.pushLoad.map((l) => l.toFixed(1)).join(' → ')} around the TCP push, ${poll.pushLoad.map((l) => l.toFixed(1)).join(' → ')} around the long-poll push, ${r.load[1].toFixed(1)} at the end.\n`,
  );
  console.log('| measure | bare TLS server | TCP channel | HTTPS long-poll | target |');
  console.log('|---|---:|---:|---:|---|');
  row(
    'clients connected (failed)',
    String(r.bare.connected),
    (x) => `${x.connected} (${x.failed})`,
    (x) => `${x.connected} (${x.failed})`,
    '≥ 19,000',
  );
  row(
    'server RSS per client (KiB)',
    kib(r.bare.rssPerClient),
    (x) => `${kib(x.rssPerClient)}${times(x.rssPerClient, r.bare.rssPerClient, 'bare')}`,
    (x) => `${kib(x.rssPerClient)}${times(x.rssPerClient, tcp.rssPerClient, 'TCP')}`,
    'TCP ≤ 1.25 × bare; poll ≤ 2 × TCP',
  );
  row(
    'server CPU with no client (ms/min)',
    '–',
    (x) => ms(x.baseCpuMsPerMinute),
    (x) => ms(x.baseCpuMsPerMinute),
    '–',
  );
  row(
    'pings or polls per client in the idle window',
    '–',
    (x) => x.idleEventsPerClient.toFixed(2),
    (x) => x.idleEventsPerClient.toFixed(2),
    '–',
  );
  row(
    'idle server CPU per ping or poll, above that (µs)',
    '–',
    (x) => ms(x.idleCpuUsPerEvent),
    (x) => `${ms(x.idleCpuUsPerEvent)}${times(x.idleCpuUsPerEvent, tcp.idleCpuUsPerEvent, 'TCP')}`,
    '–',
  );
  row(
    'idle server CPU per client (ms/min), one ping or poll per period',
    '–',
    (x) => `${x.idleCpuMsPerClientMinute.toFixed(3)} (${x.periodSeconds} s)`,
    (x) =>
      `${x.idleCpuMsPerClientMinute.toFixed(3)} (${x.periodSeconds} s)${times(x.idleCpuMsPerClientMinute, tcp.idleCpuMsPerClientMinute, 'TCP')}`,
    'poll ≤ 2 × TCP',
  );
  row(
    'fan-out server CPU per client (ms)',
    '–',
    (x) => x.fanoutCpuMsPerClient.toFixed(3),
    (x) => `${x.fanoutCpuMsPerClient.toFixed(3)}${times(x.fanoutCpuMsPerClient, tcp.fanoutCpuMsPerClient, 'TCP')}`,
    'poll ≤ 2 × TCP',
  );
  row(
    `bare Node.js floor: server CPU per exchange, ${r.floor.connections} at once (µs)`,
    '–',
    () => `${ms(r.floor.tlsUs)} (TLS frame + answer)`,
    () => `${ms(r.floor.httpsUs)} (HTTPS request + answer)${times(r.floor.httpsUs, r.floor.tlsUs, 'TLS')}`,
    '–',
  );
  row(
    'action received / acknowledged',
    '–',
    (x) => `${x.received} / ${x.acknowledged}`,
    (x) => `${x.received} / ${x.acknowledged}`,
    'all',
  );
  row(
    'server: action written to every client after (ms)',
    '–',
    (x) => ms(x.serverWriteMs),
    (x) => ms(x.serverWriteMs),
    '–',
  );
  row(
    'delivery p50 / p99 / max (ms)',
    '–',
    (x) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)} / ${ms(x.maxMs)}`,
    (x) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)} / ${ms(x.maxMs)}`,
    'p99 ≤ 1000',
  );
  row(
    'all acknowledged after (ms)',
    '–',
    (x) => ms(x.allAcknowledgedMs),
    (x) => ms(x.allAcknowledgedMs),
    '–',
  );
  row(
    "fleet's own CPU for the push, all workers (ms)",
    '–',
    (x) => ms(x.fleetPushCpuMs),
    (x) => ms(x.fleetPushCpuMs),
    '–',
  );
  for (const run of [tcp, poll]) {
    if (run.failed > 0)
      console.log(
        `\n${run.mode} failures: ${Object.entries(run.failures)
          .map(([k, v]) => `${v} × ${k}`)
          .join('; ')}`,
      );
  }
}
