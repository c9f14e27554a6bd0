import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Fleet, cpuOf, freeLowPort, settledRss, seedClients, startBareTls, startFleet, startSiteServer, stopProcess } from './notify-fleet.js';

export interface ChannelRun {
  mode: 'tcp' | 'poll';
  connected: number;
  failed: number;
  connectSeconds: number;
  rssPerClient: number;
  /** Server CPU ms per client per minute while idle (keep-alives, or re-polls). */
  idleCpuMsPerClientMinute: number;
  /** Server CPU ms per client for one fan-out (delivery + acks). */
  fanoutCpuMsPerClient: number;
  acknowledged: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface NotifyBenchResult {
  clients: number;
  holdSeconds: number;
  bare: { connected: number; rssPerClient: number };
  tcp: ChannelRun;
  poll: ChannelRun;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Connects the first half of the fleet, then the rest: RSS per client is the slope between the two. */
async function twoHalves(pid: number, start: (files: string[]) => Promise<Fleet>, keyFiles: string[]): Promise<{ fleets: Fleet[]; rssPerClient: number; connectSeconds: number }> {
  const half = Math.max(1, Math.floor(keyFiles.length / 2));
  const a = await start(keyFiles.slice(0, half));
  await sleep(2000);
  const rssA = await settledRss(pid);
  const b = await start(keyFiles.slice(half));
  await sleep(2000);
  const rssB = await settledRss(pid);
  return { fleets: [a, b], rssPerClient: (rssB - rssA) / Math.max(1, b.connected), connectSeconds: Math.max(a.connectSeconds, b.connectSeconds) };
}

async function channelRun(dir: string, mode: 'tcp' | 'poll', keyFiles: string[], holdSeconds: number): Promise<ChannelRun> {
  const server = await startSiteServer(dir, ['--notify-keepalive', '60']);
  const pid = server.child.pid!;
  const caFile = path.join(dir, 'pki', 'ca.pem');
  const port = mode === 'tcp' ? server.notification : server.https;
  try {
    const { fleets, rssPerClient, connectSeconds } = await twoHalves(pid, (files) => startFleet({ mode, port, caFile, keyFiles: files, pollWaitSeconds: 50 }), keyFiles);
    const connected = fleets.reduce((n, f) => n + f.connected, 0);
    const failed = fleets.reduce((n, f) => n + f.failed, 0);
    try {
      const cpu1 = cpuOf(pid);
      await sleep(holdSeconds * 1000);
      // Warm up fetch (undici loads lazily on first use) so it does not count as delivery time.
      await fetch(`${server.adminUrl}/api/v1/health`);
      const cpu2 = cpuOf(pid);
      const t0 = Date.now();
      const res = await fetch(`${server.adminUrl}/api/v1/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ all: true, action: 'policy', waitSeconds: 20 }),
      });
      const body = (await res.json()) as { results: { outcome: string }[] };
      const cpu3 = cpuOf(pid);
      const latencies = (await Promise.all(fleets.map((f) => f.received()))).flat().map((t) => t - t0).sort((x, y) => x - y);
      return {
        mode,
        connected,
        failed,
        connectSeconds,
        rssPerClient,
        idleCpuMsPerClientMinute: ((cpu2 - cpu1) * 1000 * (60 / holdSeconds)) / Math.max(1, connected),
        fanoutCpuMsPerClient: ((cpu3 - cpu2) * 1000) / Math.max(1, connected),
        acknowledged: body.results.filter((r) => r.outcome === 'acknowledged').length,
        received: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? Number.NaN,
      };
    } finally {
      await Promise.all(fleets.map((f) => f.stop()));
    }
  } finally {
    await stopProcess(server.child);
  }
}

/**
 * The notification benchmark (issue 5): `clients` simulated agents speaking the real protocol on
 * loopback hold connections to one MP process — first a bare Node.js TLS server with the same
 * certificate (baseline), then the TCP notification channel, then the HTTPS long-poll fallback.
 * Reports RSS per client, idle and fan-out CPU, and the time to deliver one action to all of them.
 */
export async function notifyBench(options: { clients: number; holdSeconds: number }): Promise<NotifyBenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-notify-bench-'));
  try {
    const ports = ['--http-port', '--https-port', '--notification-port'];
    const first = await startSiteServer(dir, (await Promise.all(ports.map(async (flag) => [flag, String(await freeLowPort())]))).flat());
    await stopProcess(first.child);
    const keyFiles = await seedClients(dir, options.clients, 'PS1');

    const bare = await startBareTls(dir);
    let bareResult: NotifyBenchResult['bare'];
    try {
      const caFile = path.join(dir, 'pki', 'ca.pem');
      const run = await twoHalves(bare.child.pid!, (files) => startFleet({ mode: 'bare', port: bare.port, caFile, keyFiles: files }), keyFiles);
      bareResult = { connected: run.fleets.reduce((n, f) => n + f.connected, 0), rssPerClient: run.rssPerClient };
      await Promise.all(run.fleets.map((f) => f.stop()));
    } finally {
      await stopProcess(bare.child);
    }
    const tcp = await channelRun(dir, 'tcp', keyFiles, options.holdSeconds);
    const poll = await channelRun(dir, 'poll', keyFiles, options.holdSeconds);
    return { clients: options.clients, holdSeconds: options.holdSeconds, bare: bareResult, tcp, poll };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
