import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startPostgres } from '../test-support/postgres.js';
import { SimulatedClient } from './fleet-signer.js';
import { FLEET_SOURCE_FLAGS } from './fleet-source-flags.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.mjs', import.meta.url));

export interface ThroughputRow {
  endpoint: string;
  /** Bare node:http returning the same body, no crypto. */
  bare: number;
  /** Bare node:http returning the same bytes with the same per-request MACs (request and answer). */
  bareMac: number;
  mp: number;
  /** mp / bareMac: the bar (the same bytes, with the same per-request MAC). */
  ratio: number;
  /** mp / bare. */
  plainRatio: number;
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
  base: string,
  clients: SimulatedClient[],
  method: 'GET' | 'POST',
  path: string,
  body: string,
  seconds: number,
  connections: number,
): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url: base,
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
  return result.requests.average;
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
  connections: number;
  clients: number;
  postgres?: boolean;
}): Promise<ThroughputRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-'));
  const pg = options.postgres === true ? await startPostgres() : undefined;
  const dbFlags = pg === undefined ? [] : ['--db', await pg.createDatabase('throughput')];
  const server = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE]),
      SITEPORT,
      'server',
      '--data',
      dir,
      ...dbFlags,
      '--admin-port',
      '0',
      '--http-port',
      '0',
      '--https-port',
      '0',
      '--notification-port',
      '0',
      '--bind',
      '127.0.0.1',
      '--log-level',
      'warn',
      ...FLEET_SOURCE_FLAGS,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const children: ChildProcess[] = [server];
  try {
    const port = (await waitFor(server, /^http\s+(\d+)\s/m))[1];
    const mpBase = `http://127.0.0.1:${port}`;
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
    const startBare = async (mode: string[]): Promise<string> => {
      const bare = spawn(
        process.execPath,
        [BARE, path.join(dir, 'policy.json'), path.join(dir, 'heartbeat.json'), ...mode],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(bare);
      return `http://127.0.0.1:${(await waitFor(bare, /port (\d+)/))[1]}`;
    };
    const bareBase = await startBare([]);
    const bareMacBase = await startBare(['mac']);

    const rows: ThroughputRow[] = [];
    for (const [endpoint, method, urlPath, body] of [
      ['policy (GET /mp/v1/policy)', 'GET', '/mp/v1/policy', ''],
      ['heartbeat (POST /mp/v1/heartbeat)', 'POST', '/mp/v1/heartbeat', heartbeatBody],
    ] as const) {
      const bareRate = await load(bareBase, clients, method, urlPath, body, options.seconds, options.connections);
      const bareMacRate = await load(bareMacBase, clients, method, urlPath, body, options.seconds, options.connections);
      const mpRate = await load(mpBase, clients, method, urlPath, body, options.seconds, options.connections);
      rows.push({
        endpoint,
        bare: bareRate,
        bareMac: bareMacRate,
        mp: mpRate,
        ratio: mpRate / bareMacRate,
        plainRatio: mpRate / bareRate,
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
