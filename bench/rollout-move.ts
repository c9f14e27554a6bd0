import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PortChangeResult, PortsView, RolloutView } from '@siteport/protocol';
import { SimulatedFleet } from './simulated-fleet.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));

export interface RolloutRow {
  clients: number;
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
export async function rolloutMove(clients: number, intervalSeconds: number): Promise<RolloutRow> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-rollout-'));
  const server = spawn(
    process.execPath,
    [SITEPORT, 'server', '--data', dir, '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--notification-port', '0', '--bind', '127.0.0.1', '--policy-interval', String(intervalSeconds), '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
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
    const admin = /admin API: (http:\/\/[^/\s]+)/.exec(banner)![1]!;
    const token = readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
    const api = async <T>(method: string, p: string, body?: unknown): Promise<T> =>
      (await (await fetch(`${admin}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })).json()) as T;
    const ports = await api<PortsView>('GET', '/sites/PS1/ports');
    fleet = new SimulatedFleet(readFileSync(path.join(dir, 'pki', 'ca.pem'), 'utf8'), ports.https.default);
    const t0 = Date.now();
    await fleet.register(clients);
    const registerSeconds = (Date.now() - t0) / 1000;
    const intervalMs = intervalSeconds * 1000;
    // One interval so that every client has checked in, then the change.
    await fleet.run(intervalMs, intervalMs, () => false);
    const newPort = await freePort();
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
    const allMoved = moves.every((t) => t !== undefined) ? Math.max(...(moves)) : null;
    const done = finalized as RolloutView | null;
    return {
      clients,
      intervalSeconds,
      registerSeconds,
      allMovedSeconds: allMoved === null ? null : (allMoved - changedAt) / 1000,
      finalizedSeconds: finalizedAt === null ? null : (finalizedAt - changedAt) / 1000,
      stranded: done === null ? null : done.outcome?.stranded.length ?? null,
      failures: fleet.failures,
    };
  } finally {
    fleet?.close();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}
