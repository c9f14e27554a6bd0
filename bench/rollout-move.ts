import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PortChangeResult, PortsView, RolloutView } from '@siteport/protocol';
import { startPostgres, type TestPostgres } from '../test-support/postgres.js';
import { SimulatedFleet } from './simulated-fleet.js';
import { freeLowPort, stopProcess, waitOutput } from './bench-process.js';
import { FLEET_SOURCE_FLAGS } from './fleet-source-flags.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));

export interface RolloutRow {
  clients: number;
  /** MP processes the clients were spread over (1: the site server alone, on SQLite; more: on PostgreSQL). */
  mps: number;
  intervalSeconds: number;
  registerSeconds: number;
  allMovedSeconds: number | null;
  finalizedSeconds: number | null;
  stranded: number | null;
  failures: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * N simulated online clients on a real site server move to a new HTTPS port through a rollout:
 * seconds until every client talks on the new port, until the rollout finalized, and how many
 * were stranded (target 0, within one policy interval).
 */
export async function rolloutMove(clients: number, intervalSeconds: number, mps = 1): Promise<RolloutRow> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-rollout-'));
  // Several MPs: one site on PostgreSQL, each MP on its own loopback address with the same ports.
  const pg: TestPostgres | undefined = mps > 1 ? await startPostgres() : undefined;
  const hosts = mps > 1 ? Array.from({ length: mps }, (_, i) => `127.0.1.${i + 1}`) : ['127.0.0.1'];
  const dbFlags = pg === undefined ? [] : ['--db', await pg.createDatabase('rollout')];
  const portFlags =
    pg === undefined
      ? ['--http-port', '0', '--https-port', '0', '--notification-port', '0']
      : [
          '--http-port',
          String(await freeLowPort()),
          '--https-port',
          String(await freeLowPort()),
          '--notification-port',
          String(await freeLowPort()),
        ];
  const server = spawn(
    process.execPath,
    [
      SITEPORT,
      'server',
      '--data',
      dir,
      ...dbFlags,
      '--admin-port',
      '0',
      ...portFlags,
      '--bind',
      hosts[0]!,
      '--public-host',
      hosts[0]!,
      '--policy-interval',
      String(intervalSeconds),
      '--log-level',
      'warn',
      ...FLEET_SOURCE_FLAGS,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const others: ReturnType<typeof spawn>[] = [];
  let fleet: SimulatedFleet | undefined;
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/client communication mode/.test(out)) resolve(out);
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    for (const host of hosts.slice(1)) {
      const mp = spawn(
        process.execPath,
        [
          SITEPORT,
          'server',
          '--role',
          'mp',
          '--data',
          dir,
          ...dbFlags,
          '--bind',
          host,
          '--public-host',
          host,
          '--log-level',
          'warn',
          ...FLEET_SOURCE_FLAGS,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      others.push(mp);
      await waitOutput(mp, /client communication mode/);
    }
    const admin = /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!;
    const token = readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
    const api = async <T>(method: string, p: string, body?: unknown): Promise<T> =>
      (await (
        await fetch(`${admin}/api/v1${p}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
      ).json()) as T;
    const ports = await api<PortsView>('GET', '/sites/PS1/ports');
    fleet = new SimulatedFleet(readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8'), ports.https.default, hosts);
    const t0 = Date.now();
    await fleet.register(clients);
    const registerSeconds = (Date.now() - t0) / 1000;
    const intervalMs = intervalSeconds * 1000;
    // One interval so that every client has checked in, then the change.
    await fleet.run(intervalMs, intervalMs, () => false);
    const newPort = pg === undefined ? await freePort() : await freeLowPort();
    const change = await api<PortChangeResult>('PATCH', '/sites/PS1/ports', { https: { default: newPort } });
    const changedAt = Date.now();
    let finalized: RolloutView | null = null;
    let finalizedAt: number | null = null;
    await fleet.run(intervalMs, 4 * intervalMs, async () => {
      if (finalized === null) {
        const r = await api<RolloutView>('GET', `/rollouts/${change.rolloutId ?? ''}`);
        if (r.state === 'finalized') {
          finalized = r;
          finalizedAt = Date.now();
        }
      }
      return finalized !== null;
    });
    const moves = fleet.members.map((m) => m.firstOn.get(newPort));
    const allMoved = moves.every((t) => t !== undefined) ? Math.max(...moves) : null;
    const done = finalized as RolloutView | null;
    return {
      clients,
      mps,
      intervalSeconds,
      registerSeconds,
      allMovedSeconds: allMoved === null ? null : (allMoved - changedAt) / 1000,
      finalizedSeconds: finalizedAt === null ? null : (finalizedAt - changedAt) / 1000,
      stranded: done === null ? null : (done.outcome?.stranded.length ?? null),
      failures: fleet.failures,
    };
  } finally {
    fleet?.close();
    for (const mp of others) await stopProcess(mp);
    await stopProcess(server);
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
