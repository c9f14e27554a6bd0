// `node --max-old-space-size=8000 --import tsx bench/heap-probe.ts`: what one MP process (SQLite)
// keeps per idle notification client beyond a bare Node.js TLS server holding the same fleet.
// Each server's settled RSS (after full collections) and a heap snapshot before any client and
// with the fleet connected; then the objects new in the second snapshot, grouped (bench/heap-top.ts).
// HEAP_CLIENTS (10000, at most 19,000), HEAP_WORKERS (2), HEAP_LIVENESS (ping|tcp), HEAP_TOP (8).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { settledRss, startBareTls, newSite, startSiteServer, stopProcess } from './bench-process.js';
import { heapDiff, heapTable } from './heap-top.js';
import { startFleet, type FleetMode } from './notify-fleet.js';
import { seedClients } from './seed-clients.js';

const clients = Number(process.env.HEAP_CLIENTS ?? 10_000);
const workers = Number(process.env.HEAP_WORKERS ?? 2);
const top = Number(process.env.HEAP_TOP ?? 8);
if (!(Number.isInteger(clients) && clients > 0 && clients <= 19_000) || !(workers >= 1 && workers <= 8))
  throw new Error('HEAP_CLIENTS must be 1–19000 and HEAP_WORKERS 1–8');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const root = mkdtempSync(path.join(os.tmpdir(), 'siteport-heap-'));
const heapDir = path.join(root, 'heap');
mkdirSync(heapDir);
// Read by bench/gc-hook.mjs in the measured servers (the fleet workers ignore it).
process.env.BENCH_HEAP_DIR = heapDir;

/** Full collections, then a heap snapshot; resolves with its file once written. */
async function snapshot(pid: number, n: number): Promise<string> {
  const file = path.join(heapDir, `${pid}-${n}.heapsnapshot`);
  process.kill(pid, 'SIGPWR');
  for (let waited = 0; !existsSync(file); waited += 500) {
    if (waited > 600_000) throw new Error(`no heap snapshot from ${pid}`);
    await sleep(500);
  }
  return file;
}

/** Resident memory by kind, bytes (anonymous, file-backed, shared), from /proc. */
function rssKinds(pid: number): Record<'RssAnon' | 'RssFile' | 'RssShmem', number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { RssAnon: kb('RssAnon'), RssFile: kb('RssFile'), RssShmem: kb('RssShmem') };
}

async function measure(name: string, child: ChildProcess, port: number, mode: FleetMode, keyFiles: string[]) {
  const pid = child.pid!;
  await sleep(5000);
  const rss0 = await settledRss(pid);
  const kinds0 = rssKinds(pid);
  const before = await snapshot(pid, 1);
  const fleet = await startFleet({
    mode,
    targets: [{ host: '127.0.0.1', port }],
    caFile: path.join(root, 'site', 'pki', 'ca.pem'),
    keyFiles,
    sourceAddresses: keyFiles.map((_, i) => `127.0.0.${2 + i}`),
  });
  try {
    await sleep(5000);
    const rss1 = await settledRss(pid);
    const kinds1 = rssKinds(pid);
    const after = await snapshot(pid, 2);
    const connected = fleet.connected;
    const diff = heapDiff(before, after);
    const usage = (file: string): NodeJS.MemoryUsage =>
      JSON.parse(readFileSync(`${file}.json`, 'utf8')) as NodeJS.MemoryUsage;
    const [u0, u1] = [usage(before), usage(after)];
    const kib = (key: keyof NodeJS.MemoryUsage): string => ((u1[key] - u0[key]) / 1024 / connected).toFixed(2);
    console.log(
      `\n${name}: ${connected} connected (${fleet.failed} failed); settled RSS ${(rss0 / 2 ** 20).toFixed(1)} MiB with no client, ` +
        `${(rss1 / 2 ** 20).toFixed(1)} MiB with them: ${((rss1 - rss0) / 1024 / connected).toFixed(2)} KiB per client, ` +
        `of which new heap objects ${(diff.newBytes / 1024 / connected).toFixed(2)} KiB; per client, process.memoryUsage(): ` +
        `rss ${kib('rss')}, heapTotal ${kib('heapTotal')}, heapUsed ${kib('heapUsed')}, external ${kib('external')}, ` +
        `arrayBuffers ${kib('arrayBuffers')}; /proc: ` +
        (['RssAnon', 'RssFile', 'RssShmem'] as const)
          .map((k) => `${k} ${((kinds1[k] - kinds0[k]) / 1024 / connected).toFixed(2)}`)
          .join(', ') +
        ' KiB\n',
    );
    console.log(heapTable(diff, connected, top));
    return { connected, rssPerClient: (rss1 - rss0) / connected, heapPerClient: diff.newBytes / connected };
  } finally {
    await fleet.stop();
  }
}

try {
  const dir = path.join(root, 'site');
  await newSite(dir);
  const keyFiles = await seedClients(dir, clients, 'PS1', { perFile: Math.ceil(clients / workers) });
  const server = await startSiteServer(dir, ['--notify-liveness', process.env.HEAP_LIVENESS ?? 'ping']);
  let ours;
  try {
    ours = await measure('siteport MP', server.child, server.notification, 'tcp', keyFiles);
  } finally {
    await stopProcess(server.child);
  }
  const bare = await startBareTls(dir);
  let theirs;
  try {
    theirs = await measure('bare TLS server', bare.child, bare.port, 'bare', keyFiles);
  } finally {
    await stopProcess(bare.child);
  }
  console.log(
    `\nper client, siteport / bare: RSS ${(ours.rssPerClient / theirs.rssPerClient).toFixed(2)} × ` +
      `(${(ours.rssPerClient / 1024).toFixed(2)} vs ${(theirs.rssPerClient / 1024).toFixed(2)} KiB), ` +
      `new heap objects ${(ours.heapPerClient / 1024).toFixed(2)} vs ${(theirs.heapPerClient / 1024).toFixed(2)} KiB`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
