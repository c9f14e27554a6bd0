// The MP cost of the reachability map's probing (decision 0109): one real siteport MP, simulated
// clients with client sessions (session MACs, as bench/fleet-signer.ts makes them), and in one run
// on that MP, in bulk and interleaved, normal requests (heartbeat + policy over HTTPS keep-alive)
// and probe rounds made by the agent's own probe code (TCP connect, TLS handshakes, the report
// POST). bench/reachability-cost-model.ts turns the two per-unit costs into the share probing adds
// at the default schedule. `node --import tsx bench/reachability-cost.ts` prints the table and exits
// 1 when the bar is missed; `BENCH_ONLY=reachability npm run bench` runs it among the benches.
// REACH_CLIENTS (100), REACH_SECONDS (4, per phase), REACH_REPEATS (3), REACH_WORKERS (8).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeTargets, runProbes } from '@siteport/agent';
import type { CaResponse, Policy, ReachabilityCandidate } from '@siteport/protocol';
import { SimulatedClient } from './fleet-signer.js';
import { FLEET_SOURCE_FLAGS } from './fleet-source-flags.js';
import {
  DEFAULT_SCHEDULE,
  type ReachabilityCostMeasure,
  reachabilityCostLines,
  reachabilityCostRatios,
} from './reachability-cost-model.js';
import { meets } from './ratio-summary.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const HEARTBEAT = JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'bench' });

/** User + system CPU time of a process so far, µs (from /proc). */
function cpuMicrosOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100; // clock ticks of 10 ms
}

/** The MP on CPU 1 and this process (the clients) on CPU 0 where there are two CPUs and taskset. */
function pinned(argv: string[]): [string, string[]] {
  if (
    os.cpus().length < 2 ||
    spawnSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' }).status !== 0
  )
    return [process.execPath, argv];
  return ['taskset', ['-c', '1', process.execPath, ...argv]];
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One request with the client's session MAC over the keep-alive agent; rejects unless 2xx. */
function send(agent: https.Agent, base: URL, client: SimulatedClient, method: string, urlPath: string, body = '') {
  return new Promise<string>((resolve, reject) => {
    const req = https.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: urlPath,
        headers: { 'content-type': 'application/json', ...client.headers(method, urlPath, body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          (res.statusCode ?? 0) < 300 ? resolve(text) : reject(new Error(`${urlPath}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `work` for each client in turn on `workers` parallel loops for `seconds`; how many ran and the MP CPU they took. */
async function phase(
  pid: number,
  idleMicrosPerMs: number,
  clients: SimulatedClient[],
  workers: number,
  seconds: number,
  work: (client: SimulatedClient) => Promise<void>,
): Promise<{ count: number; cpuMicros: number }> {
  const cpuBefore = cpuMicrosOf(pid);
  const started = Date.now();
  const until = started + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; Date.now() < until; i += workers) {
        await work(clients[i % clients.length]!);
        count++;
      }
    }),
  );
  const cpu = cpuMicrosOf(pid) - cpuBefore - idleMicrosPerMs * (Date.now() - started);
  return { count, cpuMicros: Math.max(0, cpu) };
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`the MP exited with ${code} before it was ready`)));
  });
}

/** Measures one MP's cost per normal request and per probe round, interleaved `repeats` times; medians. */
export async function reachabilityCost(options: {
  clients: number;
  seconds: number;
  repeats: number;
  workers: number;
}): Promise<ReachabilityCostMeasure> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-reach-bench-'));
  const profile =
    process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE];
  const server = spawn(
    ...pinned([
      ...profile,
      SITEPORT,
      'server',
      '--data',
      dir,
      ...LOOPBACK_PORT_FLAGS,
      '--log-level',
      'warn',
      ...FLEET_SOURCE_FLAGS,
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const agent = new https.Agent({ keepAlive: true, maxSockets: options.workers });
  try {
    const banner = await waitFor(server, /client communication mode/);
    const port = (item: string): string => new RegExp(`^${item}\\s+(\\d+)`, 'm').exec(banner)![1]!;
    const httpBase = `http://127.0.0.1:${port('http')}`;
    const httpsBase = new URL(`https://127.0.0.1:${port('https')}`);
    const ca = ((await (await fetch(`${httpBase}/mp/v1/ca`)).json()) as CaResponse).caCertificate;
    agent.options.ca = ca;
    const clients = Array.from({ length: options.clients }, (_, i) => new SimulatedClient(`reach-${i}`));
    for (const c of clients) await c.register(httpBase);
    for (const c of clients) await c.openSession(httpBase);
    const policy = JSON.parse(await send(agent, httpsBase, clients[0]!, 'GET', '/mp/v1/policy')) as Policy;
    const targets = probeTargets(policy);
    // What the agent's check-in has just used by default: HTTPS on the request port, the live notification channel.
    const used: ReachabilityCandidate[] = [
      { port: policy.ports.https.default, transport: 'tls' },
      { port: policy.ports.notification, transport: 'tls' },
    ];

    const normal = async (c: SimulatedClient): Promise<void> => {
      await send(agent, httpsBase, c, 'POST', '/mp/v1/heartbeat', HEARTBEAT);
      await send(agent, httpsBase, c, 'GET', '/mp/v1/policy');
    };
    const probeRound =
      (reached: readonly ReachabilityCandidate[]) =>
      async (c: SimulatedClient): Promise<void> => {
        const results = await runProbes('127.0.0.1', targets, reached, { caPem: ca, timeoutMs: 10_000 });
        const missed = results.find((r) => r.outcome !== 'reachable');
        if (missed !== undefined) throw new Error(`probe of port ${missed.port} was ${missed.outcome}, not reachable`);
        await send(agent, httpsBase, c, 'POST', '/mp/v1/reachability', JSON.stringify({ results }));
      };
    const usual = probeRound(used);
    const full = probeRound([]);
    // Warm both paths (JIT, sessions, caches), then the idle rate of the MP.
    await phase(server.pid!, 0, clients, options.workers, 1, normal);
    await phase(server.pid!, 0, clients, options.workers, 1, full);
    await new Promise((r) => setTimeout(r, 1000));
    const idleStart = cpuMicrosOf(server.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const idleMicrosPerMs = (cpuMicrosOf(server.pid!) - idleStart) / 2000;

    const perRequest: number[] = [];
    const perRound: number[] = [];
    const perFullRound: number[] = [];
    let normalRequests = 0;
    let rounds = 0;
    for (let i = 0; i < options.repeats; i++) {
      const n = await phase(server.pid!, idleMicrosPerMs, clients, options.workers, options.seconds, normal);
      perRequest.push(n.cpuMicros / (2 * n.count));
      normalRequests += 2 * n.count;
      const m0 = monotonicUs();
      const p = await phase(server.pid!, idleMicrosPerMs, clients, options.workers, options.seconds, usual);
      const m1 = monotonicUs();
      const f = await phase(server.pid!, idleMicrosPerMs, clients, options.workers, options.seconds, full);
      // With BENCH_PROFILE, the windows to give bench/profile-top.ts for the probe rounds alone.
      if (profile.length > 0)
        console.error(`usual rounds from ${m0} to ${m1} µs, full rounds to ${monotonicUs()} µs (CLOCK_MONOTONIC)`);
      perRound.push(p.cpuMicros / p.count);
      perFullRound.push(f.cpuMicros / f.count);
      rounds += p.count + f.count;
    }
    const fresh = targets.filter((t) => !used.some((u) => u.port === t.port)).length;
    return {
      clients: options.clients,
      normalCpuMicros: median(perRequest),
      normalRequests,
      roundCpuMicros: median(perRound),
      fullRoundCpuMicros: median(perFullRound),
      rounds,
      portsPerRound: fresh,
      portsPerFullRound: targets.length,
    };
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the REACH_* variables once. */
export function reachabilityCostOptionsFromEnv(): Parameters<typeof reachabilityCost>[0] {
  const int = (name: string, fallback: number): number => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1`);
    return value;
  };
  return {
    clients: int('REACH_CLIENTS', 100),
    seconds: int('REACH_SECONDS', 4),
    repeats: int('REACH_REPEATS', 3),
    workers: int('REACH_WORKERS', 8),
  };
}

export { DEFAULT_SCHEDULE, reachabilityCostLines, reachabilityCostRatios };

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  const measure = await reachabilityCost(reachabilityCostOptionsFromEnv());
  for (const line of reachabilityCostLines(measure, DEFAULT_SCHEDULE)) console.log(line);
  if (reachabilityCostRatios(measure, DEFAULT_SCHEDULE).some((row) => !meets(row))) process.exitCode = 1;
}
