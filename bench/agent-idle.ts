import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { SiteServer } from '@siteport/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface AgentIdleRow {
  variant: string;
  rssMiB: number;
  cpuSecondsPerMinute: number;
  idleSeconds: number;
}

const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** The offline agent bundle (built by `npm run bundle:agent` if missing), unpacked. */
function bundledAgent(dir: string): string {
  const dist = path.join(ROOT, 'apps', 'agent', 'dist');
  if (!existsSync(dist) || !readdirSync(dist).some((f) => f.endsWith('.tar.gz'))) {
    execFileSync('npm', ['run', '--silent', 'bundle:agent'], { cwd: ROOT, stdio: 'ignore' });
  }
  const tarball = readdirSync(dist).find((f) => f.endsWith('.tar.gz'))!;
  execFileSync('tar', ['-xzf', path.join(dist, tarball), '-C', dir]);
  const unpacked = readdirSync(dir).find((f) => f.startsWith('siteport-agent-'))!;
  return path.join(dir, unpacked, 'siteport-agent.mjs');
}

/**
 * Idle cost of an agent that is registered and checking in with a 60 s policy interval: resident
 * memory and CPU seconds per minute over `idleSeconds`, for the offline bundle on plain node and
 * for the `siteport` CLI (TypeScript through tsx).
 */
export async function agentIdle(idleSeconds: number): Promise<AgentIdleRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-bench-agent-'));
  const server = await SiteServer.start(
    {
      dataDir: path.join(dir, 'site'),
      adminPort: 0,
      httpPort: 0,
      httpsPort: 0,
      notificationPort: 0,
      bindHost: '127.0.0.1',
      policyIntervalSeconds: 60,
    },
    pino({ level: 'silent' }),
  );
  const rows: AgentIdleRow[] = [];
  try {
    const ports = server.info.ports;
    const variants: [string, string[]][] = [
      ['offline bundle (plain node)', [bundledAgent(dir)]],
      ['siteport CLI (tsx)', [path.join(ROOT, 'apps', 'cli', 'bin', 'siteport.js')]],
    ];
    for (const [variant, entry] of variants) {
      const state = path.join(dir, `state-${rows.length}`);
      execFileSync(process.execPath, [
        ...entry,
        'setup',
        '--state',
        state,
        'SMSSITECODE=PS1',
        'SMSMP=127.0.0.1',
        `CCMHTTPPORT=${ports.http.default}`,
        `CCMHTTPSPORT=${ports.https.default}`,
        `SMSCAFINGERPRINT=${server.info.caFingerprint}`,
      ]);
      const child = spawn(process.execPath, [...entry, 'agent', '--state', state, '--log-level', 'warn'], {
        stdio: 'ignore',
      });
      // Let it start, register and settle before measuring.
      await new Promise((r) => setTimeout(r, 10_000));
      const before = cpuTicks(child.pid!);
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      const used = (cpuTicks(child.pid!) - before) / TICKS_PER_SECOND;
      rows.push({
        variant,
        rssMiB: rssKiB(child.pid!) / 1024,
        cpuSecondsPerMinute: (used / idleSeconds) * 60,
        idleSeconds,
      });
      child.kill('SIGTERM');
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
