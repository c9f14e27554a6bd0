// The processes of the full-site run (bench/site-scale.ts): its additional MPs, and the CPU of
// process groups read from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLEET_SOURCE_FLAGS, waitOutput } from './bench-process.js';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const GC_HOOK = new URL('./gc-hook.mjs', import.meta.url).href;

/** The processes of the PostgreSQL cluster in `dir` (postmaster and its backends). */
export function postgresPids(dir: string): number[] {
  const main = Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(main)])
    .toString()
    .trim()
    .split(/\s+/)
    .map(Number);
  return [main, ...children.filter((p) => p > 0)];
}

export function sumOf(pids: readonly number[], of: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += of(pid);
    } catch {
      // A backend that ended meanwhile.
    }
  }
  return total;
}

export function startMp(dir: string, dbUrl: string, bind: string, keepAlive: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      GC_HOOK,
      SITEPORT,
      'server',
      '--role',
      'mp',
      '--data',
      dir,
      '--db',
      dbUrl,
      '--bind',
      bind,
      '--public-host',
      bind,
      ...keepAlive,
      '--log-level',
      'warn',
      ...FLEET_SOURCE_FLAGS,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return waitOutput(child, /client communication mode/, 120_000).then(() => child);
}
