// The bare floor of the full-site run (bench/site-scale.ts), measured in the same run: one bare
// Node.js TLS server per MP address (bench/bare-tls-server.mjs, the site's certificate, no siteport
// code) holds the same fleet's connections from the same source addresses; its idle CPU, its RSS
// per connection and a fan-out of one action-sized frame to every connection are what siteport's
// MPs are compared with.
import type { ChildProcess } from 'node:child_process';
import { encodeFrame } from '@siteport/protocol';
import { cpuOf, settledRss, startBareTls, stopProcess, waitOutput } from './bench-process.js';
import { rateAround, sampleConnects } from './connect-rate.js';
import { type FleetScheduling, startFleet } from './notify-fleet.js';
import { percentile } from './percentile.js';

/** The bare push writes a frame as long as the MP's `policy` action frame (a 16-character id). */
const ACTION_FRAME_BYTES = encodeFrame('action', { id: 'x'.repeat(16), action: 'policy' }).length;

export interface BareSiteOptions {
  /** A site data directory (its pki/ gives the certificate the fleet pins). */
  dir: string;
  caFile: string;
  /** One bare server per address (the MPs' addresses). */
  hosts: readonly string[];
  keyFiles: readonly string[];
  sourceAddresses: readonly string[];
  holdSeconds: number;
  connectDeadlineSeconds: number;
  niceness: number;
  scheduling: FleetScheduling;
  /** Where the connect rate is read (the full run's CONNECT_RATE_EARLY and its late point), and over how many clients. */
  connectRateAt: { early: number; late: number; width: number };
  progress(text: string): void;
}

export interface BareSiteResult {
  connected: number;
  failed: number;
  failures: Record<string, number>;
  connectSeconds: number;
  /** Clients per second around `early` connected and around `late` (as for siteport's fleet), NaN where not reached. */
  connectRate: { early: number; late: number };
  /** Settled RSS of the bare servers together, with the fleet and before it connected. */
  rssMiB: number;
  baseRssMiB: number;
  /** CPU of the bare servers over the idle window, as a share of one core. */
  idleCpuCores: number;
  fanout: { received: number; answered: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function bareSiteScale(o: BareSiteOptions): Promise<BareSiteResult> {
  const servers: { child: ChildProcess; port: number }[] = [];
  let stopFleet: (() => Promise<void>) | undefined;
  try {
    for (const host of o.hosts) servers.push(await startBareTls(o.dir, host));
    await sleep(2000);
    const baseRss = (await Promise.all(servers.map((s) => settledRss(s.child.pid!)))).reduce((a, b) => a + b, 0);
    o.progress(`bare: connecting the fleet to ${servers.length} bare TLS servers`);
    const sampler = sampleConnects();
    const fleet = await startFleet({
      mode: 'bare',
      targets: servers.map((s, i) => ({ host: o.hosts[i]!, port: s.port })),
      sourceAddresses: o.sourceAddresses,
      caFile: o.caFile,
      keyFiles: o.keyFiles,
      connectDeadlineSeconds: o.connectDeadlineSeconds,
      lifetimeSeconds: 3600,
      maxPerTarget: 19_500,
      niceness: o.niceness,
      scheduling: o.scheduling,
    });
    stopFleet = fleet.stop;
    const samples = sampler.stop();
    o.progress(`bare: connected ${fleet.connected}, failed ${fleet.failed} in ${fleet.connectSeconds.toFixed(1)} s`);
    const pids = servers.map((s) => s.child.pid!);
    await sleep(5000);
    let rss = 0;
    for (const pid of pids) rss += await settledRss(pid);
    const cpu = (): number => pids.reduce((n, pid) => n + cpuOf(pid), 0);
    await fleet.report();
    const idle0 = cpu();
    await sleep(o.holdSeconds * 1000);
    const idleCpuCores = (cpu() - idle0) / o.holdSeconds;
    await fleet.report();

    o.progress('bare: one frame to every connection');
    const done = servers.map((s) => waitOutput(s.child, /pushed (\d+) ([\d.]+)/));
    const t0 = Date.now();
    for (const s of servers) s.child.stdin!.write(`push ${ACTION_FRAME_BYTES}\n`);
    await Promise.all(done);
    // The readers answer once their burst is over; the same wait as after the MPs' push.
    await sleep(2000);
    const after = await fleet.report();
    const latencies = after.received.map((t) => t - t0).sort((a, b) => a - b);
    return {
      connected: fleet.connected,
      failed: fleet.failed,
      failures: fleet.failures,
      connectSeconds: fleet.connectSeconds,
      connectRate: {
        early: rateAround(samples, o.connectRateAt.early, o.connectRateAt.width),
        late: rateAround(samples, o.connectRateAt.late, o.connectRateAt.width),
      },
      rssMiB: rss / 1024 / 1024,
      baseRssMiB: baseRss / 1024 / 1024,
      idleCpuCores,
      fanout: {
        received: latencies.length,
        answered: after.acked,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? Number.NaN,
      },
    };
  } finally {
    await stopFleet?.();
    for (const s of servers) await stopProcess(s.child);
  }
}
