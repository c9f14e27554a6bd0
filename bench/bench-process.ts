// Processes the notification benchmark measures: `siteport server` and the bare TLS baseline,
// with their RSS and CPU read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FLEET_SOURCE_FLAGS } from './fleet-source-flags.js';
export { FLEET_SOURCE_FLAGS };

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const BARE_TLS = fileURLToPath(new URL('./bare-tls-server.mjs', import.meta.url));
const GC_HOOK = new URL('./gc-hook.mjs', import.meta.url).href;
/** Node flags of measured server processes: SIGUSR2 → full GC (see gc-hook.mjs). */
const MEASURED = ['--expose-gc', '--import', GC_HOOK];
/** `NOTIFY_BENCH_PROFILE=DIR` writes a V8 CPU profile of every measured siteport server into DIR. */
const PROFILE =
  process.env.NOTIFY_BENCH_PROFILE === undefined
    ? []
    : ['--cpu-prof', '--cpu-prof-dir', process.env.NOTIFY_BENCH_PROFILE];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of a process, bytes (from /proc). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** RSS after two full garbage collections of the process (needs the {@link MEASURED} flags). */
export async function settledRss(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await sleep(1500);
  process.kill(pid, 'SIGUSR2');
  await sleep(1500);
  return rssOf(pid);
}

/** User + system CPU seconds a process used so far, all its threads (from /proc, 100 ticks per second). */
export function cpuOf(pid: number): number {
  const { user, system } = cpuSplitOf(pid);
  return user + system;
}

/** User and system CPU seconds a process used so far, apart. */
export function cpuSplitOf(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** The one-minute load average, from /proc. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Waits for `pattern` on the child's stdout; what follows is drained, not kept. */
export function waitOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const match = pattern.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(match);
      }
    };
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}: ${out.slice(-500)}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited with ${code} before ready: ${out.slice(-500)}`)));
  });
}

/**
 * A free TCP port below the kernel's ephemeral range: the benchmark's own client sockets take
 * ephemeral ports, and a site port in that range could be taken by one between two runs.
 */
export async function freeLowPort(): Promise<number> {
  const net = await import('node:net');
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

/** The server's own account of one push (its `action sent` log line). */
export interface SentAction {
  clients: number;
  /** From the start of the push until every client's frame or poll answer was written. */
  writeMs: number;
}

export interface SiteServerProcess {
  child: ChildProcess;
  /** Every push the server logged so far. */
  sent: SentAction[];
  adminUrl: string;
  token: string;
  http: number;
  https: number;
  notification: number;
}

/** Starts `siteport server` on free loopback ports in `dir`. */
export async function startSiteServer(dir: string, extra: string[] = []): Promise<SiteServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...MEASURED,
      ...PROFILE,
      SITEPORT,
      'server',
      '--data',
      dir,
      '--admin-port',
      '0',
      '--bind',
      '127.0.0.1',
      '--log-level',
      'info',
      ...FLEET_SOURCE_FLAGS,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Logs (stderr): `action sent` lines are kept, warnings and errors passed on, the rest dropped.
  const sent: SentAction[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    let entry: { level?: number; msg?: string; clients?: number; writeMs?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      process.stderr.write(`${line}\n`);
      return;
    }
    if (entry.msg === 'action sent' && entry.clients !== undefined && entry.writeMs !== undefined)
      sent.push({ clients: entry.clients, writeMs: entry.writeMs });
    else if ((entry.level ?? 0) >= 40) process.stderr.write(`${line}\n`);
  });
  const banner = (await waitOutput(child, /admin API: (\S+)\/api\/v1[\s\S]*notification\s+(\d+)\/tcp/))[0];
  const port = (name: string): number => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(banner)?.[1]);
  return {
    child,
    sent,
    adminUrl: /admin API: (\S+)\/api\/v1/.exec(banner)![1]!,
    token: readFileSync(path.join(dir, 'admin-token'), 'utf8').trim(),
    http: port('http'),
    https: port('https'),
    notification: Number(/notification\s+(\d+)\/tcp/.exec(banner)![1]),
  };
}

/** Stops a process with SIGTERM, and SIGKILL after 10 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

/** The bare Node.js TLS server of the baseline, with the site's certificate; `push BYTES` on its stdin writes to every connection. */
export function startBareTls(dir: string, host = '127.0.0.1'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...MEASURED, BARE_TLS, dir, host], { stdio: ['pipe', 'pipe', 'inherit'] });
  return waitOutput(child, /port (\d+)/).then((m) => ({ child, port: Number(m[1]) }));
}

/** A site whose ports lie below the ephemeral range (the fleet's own sockets take ephemeral ports). */
export async function newSite(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const flags = ['--http-port', '--https-port', '--notification-port'];
  const first = await startSiteServer(
    dir,
    (await Promise.all(flags.map(async (flag) => [flag, String(await freeLowPort())]))).flat(),
  );
  await stopProcess(first.child);
}
