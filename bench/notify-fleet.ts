import { type ChildProcess, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientsTable, databaseLocation, openDatabase } from '@siteport/db';

const SITEPORT = fileURLToPath(new URL('../apps/cli/bin/siteport.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./notify-fleet-worker.ts', import.meta.url));
const BARE_TLS = fileURLToPath(new URL('./bare-tls-server.mjs', import.meta.url));
const GC_HOOK = new URL('./gc-hook.mjs', import.meta.url).href;
/** Node flags of measured server processes: SIGUSR2 → full GC (see gc-hook.mjs). */
const MEASURED = ['--expose-gc', '--import', GC_HOOK];

/** RSS after a full garbage collection of the process (needs {@link MEASURED} flags). */
export async function settledRss(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  process.kill(pid, 'SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return rssOf(pid);
}

/** Connections per worker process: far from the 20,000-descriptor limit of one process. */
export const PER_WORKER = 5000;

/** Resident set size of a process, bytes (from /proc). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** User + system CPU seconds a process used so far (from /proc, 100 ticks per second). */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function waitOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${out.slice(-500)}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = pattern.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', (code) => reject(new Error(`process exited with ${code} before ready: ${out.slice(-500)}`)));
  });
}

/**
 * A free TCP port below the kernel's ephemeral range: the benchmark's own 19,000 client sockets
 * take ephemeral ports, and a site port in that range could be taken by one between two runs.
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

export interface SiteServerProcess {
  child: ChildProcess;
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
    [...MEASURED, SITEPORT, 'server', '--data', dir, '--admin-port', '0', '--bind', '127.0.0.1', '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const banner = (await waitOutput(child, /admin API: (\S+)\/api\/v1[\s\S]*notification\s+(\d+)\/tcp/))[0];
  const port = (name: string): number => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(banner)?.[1]);
  return {
    child,
    adminUrl: /admin API: (\S+)\/api\/v1/.exec(banner)![1]!,
    token: readFileSync(path.join(dir, 'admin-token'), 'utf8').trim(),
    http: port('http'),
    https: port('https'),
    notification: Number(/notification\s+(\d+)\/tcp/.exec(banner)![1]),
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

/**
 * Registers `count` simulated clients straight into the site database (a real Ed25519 key each;
 * one transaction instead of `count` signed registrations) and writes their private keys, split
 * into worker files. The server must not be running.
 */
export async function seedClients(dir: string, count: number, siteCode: string): Promise<string[]> {
  const db = await openDatabase(databaseLocation(dir, undefined));
  const files: string[] = [];
  try {
    const rows: ClientsTable[] = [];
    const keys: { id: string; key: string }[] = [];
    for (let i = 0; i < count; i += 1) {
      const pair = generateKeyPairSync('ed25519');
      const der = pair.publicKey.export({ type: 'spki', format: 'der' });
      const id = `bench-${i.toString().padStart(6, '0')}`;
      rows.push({
        id,
        site_code: siteCode,
        hostname: `bench-${i}`,
        public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        key_fingerprint: createHash('sha256').update(der).digest('hex'),
        category: 'workgroup',
        agent_version: 'bench',
        registered_at: new Date().toISOString(),
        last_contact_at: null,
        last_port: null,
        last_protocol: null,
        last_address: null,
        settings_version: 0,
        agent_state: 'running',
        state_dir: null,
      });
      keys.push({ id, key: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') });
    }
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('clients').values(rows.slice(i, i + 500)).execute();
    });
    // At least two files, so a benchmark can connect half the fleet, then the rest.
    const size = Math.min(PER_WORKER, Math.ceil(count / 2));
    for (let i = 0; i < keys.length; i += size) {
      const file = path.join(dir, `bench-keys-${files.length}.json`);
      writeFileSync(file, JSON.stringify(keys.slice(i, i + size)));
      files.push(file);
    }
  } finally {
    await db.destroy();
  }
  return files;
}

export interface Fleet {
  workers: ChildProcess[];
  connected: number;
  failed: number;
  /** Longest time a worker took to connect its clients (excludes process start). */
  connectSeconds: number;
  /** Asks every worker for the times (epoch ms, fractional) its clients received an action. */
  received: () => Promise<number[]>;
  stop: () => Promise<void>;
}

/** Forks the simulated clients and resolves once every one of them connected (or failed). */
export async function startFleet(options: {
  mode: 'tcp' | 'poll' | 'bare';
  port: number;
  caFile: string;
  keyFiles: string[];
  pollWaitSeconds?: number;
}): Promise<Fleet> {
  const workers = options.keyFiles.map((keysFile) =>
    fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        NOTIFY_WORKER: JSON.stringify({ mode: options.mode, host: '127.0.0.1', port: options.port, caFile: options.caFile, keysFile, pollWaitSeconds: options.pollWaitSeconds ?? 50, concurrency: 32 }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const counts = await Promise.all(
    workers.map(
      (w) =>
        new Promise<{ connected: number; failed: number; seconds: number }>((resolve, reject) => {
          w.on('message', (m: { type: string; connected: number; failed: number; seconds: number }) => {
            if (m.type === 'connected') resolve(m);
          });
          w.once('exit', (code) => reject(new Error(`fleet worker exited with ${code}`)));
        }),
    ),
  );
  return {
    workers,
    connected: counts.reduce((n, c) => n + c.connected, 0),
    failed: counts.reduce((n, c) => n + c.failed, 0),
    connectSeconds: Math.max(...counts.map((c) => c.seconds)),
    received: async () =>
      (
        await Promise.all(
          workers.map(
            (w) =>
              new Promise<number[]>((resolve) => {
                const on = (m: { type: string; received: number[] }): void => {
                  if (m.type !== 'received') return;
                  w.off('message', on);
                  resolve(m.received);
                };
                w.on('message', on);
                w.send({ type: 'report' });
              }),
          ),
        )
      ).flat(),
    stop: async () => {
      await Promise.all(workers.map((w) => stopProcess(w)));
    },
  };
}

export function startBareTls(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...MEASURED, BARE_TLS, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitOutput(child, /port (\d+)/).then((m) => ({ child, port: Number(m[1]) }));
}
