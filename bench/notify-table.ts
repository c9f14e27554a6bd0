import os from 'node:os';
import type { ChannelRun, IdleRun, NotifyBenchResult } from './notify-bench.js';
import type { RatioRow } from './ratio-summary.js';

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
      `The TCP, TCP-with-keep-alive and long-poll MP processes (three sites, the same clients) and a bare HTTPS long-poll server run side by side, idle CPU over the same ${Math.max(o.holdSeconds, o.keepAliveSeconds, o.pollWaitSeconds)} s window; ` +
      `then ${o.pushes} \`policy\` pushes to all on each (\`POST /api/v1/notify {"all":true}\`) and as many bare fan-outs, each figure the median of the ${o.pushes}; latency = receive time in the fleet worker − push start. ` +
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
  printBaselines(r);
  for (const run of [tcp, poll]) {
    if (run.failed > 0)
      console.log(
        `\n${run.mode} failures: ${Object.entries(run.failures)
          .map(([k, v]) => `${v} × ${k}`)
          .join('; ')}`,
      );
  }
}

/** The same run's bare baselines and the TCP channel with kernel keep-alive, beside what they are compared with. */
function printBaselines(r: NotifyBenchResult): void {
  const { bare, idle, tcp } = r;
  const f = bare.fanout;
  const perClient = (x: IdleRun): string => x.windowCpuMsPerClientMinute.toFixed(4);
  console.log(
    `\nThe same run's baselines. Bare fan-out: the bare TLS server writes one action-sized frame to each of the bare fleet's connections (same workers), whose readers timestamp it and answer with an ack-sized frame; CPU from the push until every answer was read. ` +
      `Idle: four processes held by their own copy of the fleet over the same window — the TCP channel (pings every ${r.options.keepAliveSeconds} s), the TCP channel with \`--notify-liveness tcp\` (kernel keep-alive after ${r.options.keepAliveSeconds} s idle, no pings), the long-poll, and a bare node:https server holding each poll ${r.options.pollWaitSeconds} s and answering 204.\n`,
  );
  console.log('| measure | siteport | bare baseline (same run) | ratio |');
  console.log('|---|---:|---:|---:|');
  const line = (measure: string, a: string, b: string, ratio: number): void =>
    console.log(`| ${measure} | ${a} | ${b} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} |`);
  line(
    'server RSS per connected client, TCP channel vs idle TLS socket (KiB)',
    kib(tcp.rssPerClient),
    kib(bare.rssPerClient),
    tcp.rssPerClient / bare.rssPerClient,
  );
  line(
    'fan-out server CPU per delivered notification (µs)',
    (tcp.fanoutCpuMsPerClient * 1000).toFixed(1),
    (f.cpuMsPerClient * 1000).toFixed(1),
    tcp.fanoutCpuMsPerClient / f.cpuMsPerClient,
  );
  line(
    'fan-out p50 / p99 / max, push start → received in the fleet (ms)',
    `${ms(tcp.p50Ms)} / ${ms(tcp.p99Ms)} / ${ms(tcp.maxMs)}`,
    `${ms(f.p50Ms)} / ${ms(f.p99Ms)} / ${ms(f.maxMs)}`,
    tcp.p99Ms / f.p99Ms,
  );
  line(
    'fan-out: received / answered',
    `${tcp.received} / ${tcp.acknowledged}`,
    `${f.received} / ${f.answered}`,
    Number.NaN,
  );
  line('fan-out: server write loop (ms)', ms(tcp.serverWriteMs), f.writeMs.toFixed(0), tcp.serverWriteMs / f.writeMs);
  line(
    `long-poll idle CPU per client at one poll per ${idle.poll.periodSeconds} s (ms/min)`,
    idle.poll.cpuMsPerClientMinute.toFixed(4),
    idle.barePoll.cpuMsPerClientMinute.toFixed(4),
    idle.poll.cpuMsPerClientMinute / idle.barePoll.cpuMsPerClientMinute,
  );
  line(
    'long-poll idle CPU per poll (µs)',
    ms(idle.poll.cpuUsPerEvent),
    ms(idle.barePoll.cpuUsPerEvent),
    idle.poll.cpuUsPerEvent / idle.barePoll.cpuUsPerEvent,
  );
  line(
    'long-poll server RSS per client (KiB)',
    kib(idle.poll.rssPerClient),
    kib(idle.barePoll.rssPerClient),
    idle.poll.rssPerClient / idle.barePoll.rssPerClient,
  );
  console.log(
    '\n| TCP channel, idle over the same window | pings (liveness ping) | kernel keep-alive (liveness tcp) |',
  );
  console.log('|---|---:|---:|');
  console.log(
    `| clients connected (failed) | ${idle.tcp.connected} (${idle.tcp.failed}) | ${idle.tcpKeepAlive.connected} (${idle.tcpKeepAlive.failed}) |`,
  );
  console.log(
    `| pings per client in the window | ${idle.tcp.eventsPerClient.toFixed(2)} | ${idle.tcpKeepAlive.eventsPerClient.toFixed(2)} |`,
  );
  console.log(
    `| server CPU with no client (ms/min) | ${ms(idle.tcp.baseCpuMsPerMinute)} | ${ms(idle.tcpKeepAlive.baseCpuMsPerMinute)} |`,
  );
  console.log(
    `| server CPU over the window, all of it (ms/min) | ${ms(idle.tcp.windowCpuMsPerMinute)} | ${ms(idle.tcpKeepAlive.windowCpuMsPerMinute)} |`,
  );
  // Both processes idle in the same window with the same clients: their difference is what the pings cost.
  const saved =
    (idle.tcp.windowCpuMsPerMinute - idle.tcpKeepAlive.windowCpuMsPerMinute) / Math.max(1, idle.tcp.connected);
  const perPing = (saved * 1000 * (idle.tcp.windowSeconds / 60)) / Math.max(0.01, idle.tcp.eventsPerClient);
  console.log(
    `| saved by keep-alive: the difference per client (ms/min), and per ping (µs) | – | ${saved.toFixed(4)} (${perPing.toFixed(0)} µs) |`,
  );
  console.log(
    `| idle server CPU per client above that, measured over the window (ms/min) | ${perClient(idle.tcp)} | ${perClient(idle.tcpKeepAlive)} |`,
  );
  console.log(
    `| server RSS per client (KiB) | ${kib(idle.tcp.rssPerClient)} | ${kib(idle.tcpKeepAlive.rssPerClient)} |`,
  );
}

/** The notification rows of the ratio table `npm run bench` ends with. */
export function notifyRatios(r: NotifyBenchResult): RatioRow[] {
  const { bare, idle, tcp } = r;
  const f = bare.fanout;
  const n = r.clients.toLocaleString('en');
  return [
    {
      path: `notification channel: server RSS per connected client (TCP, ${n} clients)`,
      baseline: 'idle bare node:tls socket, same fleet',
      ratio: tcp.rssPerClient / bare.rssPerClient,
      target: { atMost: 1.15 },
      note: `${kib(tcp.rssPerClient)} vs ${kib(bare.rssPerClient)} KiB`,
    },
    {
      path: `notification fan-out: server CPU per delivered notification (TCP, ${n} clients)`,
      baseline: 'bare TLS write loop to the same fleet, readers answering',
      ratio: tcp.fanoutCpuMsPerClient / f.cpuMsPerClient,
      target: { atMost: 1.2 },
      note: `${(tcp.fanoutCpuMsPerClient * 1000).toFixed(1)} vs ${(f.cpuMsPerClient * 1000).toFixed(1)} µs`,
    },
    {
      path: `notification fan-out p99, push start → received (TCP, ${n} clients)`,
      baseline: 'bare TLS fan-out to the same fleet',
      ratio: tcp.p99Ms / f.p99Ms,
      target: { atMost: 1.2 },
      note: `${ms(tcp.p99Ms)} vs ${ms(f.p99Ms)} ms; ${tcp.received} and ${f.received} received`,
    },
    {
      path: `long-poll idle CPU per client (HTTPS fallback, ${n} clients)`,
      baseline: `bare node:https holding each poll ${idle.poll.periodSeconds} s, 204`,
      ratio: idle.poll.cpuMsPerClientMinute / idle.barePoll.cpuMsPerClientMinute,
      target: { atMost: 1.2 },
      note: `${ms(idle.poll.cpuUsPerEvent)} vs ${ms(idle.barePoll.cpuUsPerEvent)} µs per poll`,
    },
  ];
}
