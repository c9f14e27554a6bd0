import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startPostgres } from '../test-support/postgres.js';
import { SimulatedClient } from './fleet-signer.js';
import { FLEET_SOURCE_FLAGS } from './fleet-source-flags.js';
import { LOOPBACK_PORT_FLAGS } from '../test-support/server-flags.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.mjs', import.meta.url));

/** One server's median run: requests per second, and its own CPU time per request. */
export interface ServerRun {
  rate: number;
  /** CPU time (user + system) of the server process per request, in µs: what the load generator cannot hide. */
  cpuMicros: number;
}

export interface ThroughputRow {
  endpoint: string;
  /** Bare node:http returning the same body, no crypto. */
  bare: ServerRun;
  /** Bare node:http returning the same bytes with the same per-request MACs (request and answer). */
  bareMac: ServerRun;
  mp: ServerRun;
  /** mp / bareMac requests per second. */
  ratio: number;
  /** mp / bare requests per second: the bar. */
  plainRatio: number;
  /** bare CPU per request / mp CPU per request: the same comparison, free of the load generator's limits. */
  cpuRatio: number;
}

/** A server under load: its URL and its process, whose CPU time is read from /proc. */
interface Target {
  base: string;
  pid: number;
}

/** CPU time of a process so far, in µs (utime + stime from /proc; 0 where there is no /proc). */
function cpuMicrosOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
  } catch {
    return 0;
  }
}

/**
 * On a machine of two or more CPUs (and with `taskset`), the load generator runs on CPU 0 and the
 * server under test on CPU 1: each server gets a core of its own instead of competing with the
 * load generator, so the runs measure the servers and not the scheduler. BENCH_PIN=0 turns it off.
 */
function pinning(): { server: (argv: string[]) => [string, string[]] } {
  const off = { server: (argv: string[]): [string, string[]] => [process.execPath, argv] };
  if (process.env.BENCH_PIN === '0' || os.cpus().length < 2) return off;
  if (spawnSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' }).status !== 0) return off;
  return { server: (argv) => ['taskset', ['-c', '1', process.execPath, ...argv]] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianRun(runs: ServerRun[]): ServerRun {
  return { rate: median(runs.map((r) => r.rate)), cpuMicros: median(runs.map((r) => r.cpuMicros)) };
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = pattern.exec(out);
      if (match !== null) resolve(match);
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code} before ready`)));
  });
}

async function load(
  target: Target,
  clients: SimulatedClient[],
  method: 'GET' | 'POST',
  path: string,
  body: string,
  seconds: number,
  connections: number,
): Promise<ServerRun> {
  let next = 0;
  const cpuBefore = cpuMicrosOf(target.pid);
  const result = await autocannon({
    url: target.base,
    connections,
    duration: seconds,
    requests: [
      {
        method,
        path,
        ...(method === 'POST' ? { body } : {}),
        setupRequest: (req: Record<string, unknown>) => {
          const client = clients[next++ % clients.length]!;
          return { ...req, headers: { 'content-type': 'application/json', ...client.headers(method, path, body) } };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx and ${result.errors} errors`);
  return {
    rate: result.requests.average,
    cpuMicros: (cpuMicrosOf(target.pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

/**
 * MP policy and heartbeat requests per second next to a bare node:http server returning the same
 * bytes, with the same autocannon load. Like the agent (decision 0062), each of N simulated clients
 * registers, opens one client session with a signed request, and then authenticates every request
 * with a fresh session MAC (timestamp, nonce, HMAC); the load generator builds the same headers
 * for the bare server, so both runs pay the same client cost.
 */
export async function mpThroughput(options: {
  seconds: number;
  rounds: number;
  connections: number;
  clients: number;
  postgres?: boolean;
  /**
   * Load the three servers at the same time instead of one after another, all three on the
   * server CPU: load from elsewhere on the machine then lands on all three alike, so their ratio
   * holds where their absolute rates do not (the regression guard). @default false
   */
  concurrent?: boolean;
}): Promise<ThroughputRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-'));
  const pg = options.postgres === true ? await startPostgres() : undefined;
  const dbFlags = pg === undefined ? [] : ['--db', await pg.createDatabase('throughput')];
  const pin = pinning();
  const server = spawn(
    ...pin.server([
      ...(process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE]),
      SITEPORT,
      'server',
      '--data',
      dir,
      ...dbFlags,
      ...LOOPBACK_PORT_FLAGS,
      '--log-level',
      'warn',
      ...FLEET_SOURCE_FLAGS,
    ]),
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const children: ChildProcess[] = [server];
  try {
    const port = (await waitFor(server, /^http\s+(\d+)\s/m))[1];
    const mpBase = `http://127.0.0.1:${port}`;
    const mpTarget: Target = { base: mpBase, pid: server.pid! };
    const clients = Array.from({ length: options.clients }, (_, i) => new SimulatedClient(`bench-${i}`));
    for (const c of clients) await c.register(mpBase);
    for (const c of clients) await c.openSession(mpBase);
    const heartbeatBody = JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'bench' });

    const policyBytes = Buffer.from(
      await (
        await fetch(`${mpBase}/mp/v1/policy`, { headers: clients[0]!.headers('GET', '/mp/v1/policy', '') })
      ).arrayBuffer(),
    );
    const hb = clients[0]!;
    const heartbeatBytes = Buffer.from(
      await (
        await fetch(`${mpBase}/mp/v1/heartbeat`, {
          method: 'POST',
          body: heartbeatBody,
          headers: { 'content-type': 'application/json', ...hb.headers('POST', '/mp/v1/heartbeat', heartbeatBody) },
        })
      ).arrayBuffer(),
    );
    writeFileSync(path.join(dir, 'policy.json'), policyBytes);
    writeFileSync(path.join(dir, 'heartbeat.json'), heartbeatBytes);
    const startBare = async (mode: string[]): Promise<Target> => {
      const bare = spawn(
        ...pin.server([BARE, path.join(dir, 'policy.json'), path.join(dir, 'heartbeat.json'), ...mode]),
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(bare);
      return { base: `http://127.0.0.1:${(await waitFor(bare, /port (\d+)/))[1]}`, pid: bare.pid! };
    };
    const bareBase = await startBare([]);
    const bareMacBase = await startBare(['mac']);

    const rows: ThroughputRow[] = [];
    for (const [endpoint, method, urlPath, body] of [
      ['policy (GET /mp/v1/policy)', 'GET', '/mp/v1/policy', ''],
      ['heartbeat (POST /mp/v1/heartbeat)', 'POST', '/mp/v1/heartbeat', heartbeatBody],
    ] as const) {
      // Interleaved rounds, the median of each server: a burst of load from elsewhere on the
      // machine lands on one run of each, not on all runs of one server.
      const runs = { bare: [] as ServerRun[], bareMac: [] as ServerRun[], mp: [] as ServerRun[] };
      for (let round = 0; round < options.rounds; round++) {
        if (options.concurrent === true) {
          const [bare, bareMac, mp] = await Promise.all(
            [bareBase, bareMacBase, mpTarget].map((target) =>
              load(target, clients, method, urlPath, body, options.seconds, options.connections),
            ),
          );
          runs.bare.push(bare!);
          runs.bareMac.push(bareMac!);
          runs.mp.push(mp!);
          continue;
        }
        runs.bare.push(await load(bareBase, clients, method, urlPath, body, options.seconds, options.connections));
        runs.bareMac.push(
          await load(bareMacBase, clients, method, urlPath, body, options.seconds, options.connections),
        );
        runs.mp.push(await load(mpTarget, clients, method, urlPath, body, options.seconds, options.connections));
      }
      const [bare, bareMac, mp] = [medianRun(runs.bare), medianRun(runs.bareMac), medianRun(runs.mp)];
      rows.push({
        endpoint,
        bare,
        bareMac,
        mp,
        ratio: mp.rate / bareMac.rate,
        plainRatio: mp.rate / bare.rate,
        cpuRatio: bare.cpuMicros / mp.cpuMicros,
      });
    }
    return rows;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
