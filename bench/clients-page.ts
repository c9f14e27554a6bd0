// The clients list at scale (decision 0100): a site of CLIENTS_PAGE_CLIENTS (100,000) clients in its
// SQLite database, inserted directly. Measures one page of the admin API next to a bare node:http
// server running the same SELECT, the filters and counts, and the MP's request latency while a
// console polls a page every second, against no polling. `npm run bench:clients-page`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type ClientsTable, SQLITE_FILE, databaseLocation, openDatabase } from '@siteport/db';
import { type ClientList, EPOCH_HEADER } from '@siteport/protocol';
import { startSiteServer, stopProcess, waitOutput } from './bench-process.js';
import { SimulatedClient } from './fleet-signer.js';

const BARE = fileURLToPath(new URL('./bare-clients-page.mjs', import.meta.url));
const STATUSES = [
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'pending',
  'blocked',
  'retired',
] as const;

/** Latency percentiles of a set of requests, ms. */
export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One GET or POST over a keep-alive connection; resolves with the status and the body. */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function timed(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; body: string }> {
  const start = performance.now();
  const answer = await request(url, { headers });
  const ms = performance.now() - start;
  if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
  return { ms, body: answer.body };
}

/** `count` client rows of site PS1: statuses, last ports and last contacts spread like a real site's. */
export function clientRows(count: number): ClientsTable[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const seen = i % 20 === 19 ? null : new Date(now - (i % 97) * 3_600_000 - (i % 1000) * 1000).toISOString();
    const id = `${((i * 2654435761) % 4294967296).toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString().padStart(12, '0')}`;
    return {
      id,
      site_code: 'PS1',
      hostname: `pc-${i.toString().padStart(6, '0')}`,
      public_key:
        '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAbenchbenchbenchbenchbenchbenchbenchbenchbench=\n-----END PUBLIC KEY-----\n',
      key_fingerprint: `bench-${i}`,
      category: 'workgroup',
      agent_version: '0.1.0',
      registered_at: new Date(now - 90 * 86_400_000).toISOString(),
      last_contact_at: seen,
      last_port: seen === null ? null : i % 10 === 0 ? 8530 : 8080,
      last_protocol: seen === null ? null : ('http' as const),
      last_address: seen === null ? null : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      settings_version: 3,
      agent_state: 'running',
      state_dir: '/var/lib/siteport',
      status: STATUSES[i % STATUSES.length]!,
      status_changed_at: null,
    };
  });
}

/** Pins this process to CPU 0 and `pid` (all its threads) to CPU 1 where the machine has two CPUs and taskset. */
function pin(pid: number): boolean {
  if (process.env.BENCH_PIN === '0' || os.cpus().length < 2) return false;
  return (
    spawnSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' }).status === 0 &&
    spawnSync('taskset', ['-apc', '1', String(pid)], { stdio: 'ignore' }).status === 0
  );
}

/**
 * Open-loop heartbeats at `rate` per second for `seconds` from `clients`, each request's latency
 * taken from the moment it was due (so a stalled server is not hidden by a waiting generator).
 */
async function heartbeatLoad(
  base: string,
  clients: SimulatedClient[],
  rate: number,
  seconds: number,
): Promise<number[]> {
  const body = JSON.stringify({ settingsVersion: 1, agentState: 'running', hostname: 'bench' });
  const samples: number[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  const total = rate * seconds;
  while (sent < total) {
    const due = start + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const client = clients[sent % clients.length]!;
    const headers = { 'content-type': 'application/json', ...client.headers('POST', '/mp/v1/heartbeat', body) };
    sent += 1;
    inflight.push(
      request(`${base}/mp/v1/heartbeat`, { method: 'POST', headers, body }).then((answer) => {
        if (answer.status !== 200) throw new Error(`heartbeat: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
        samples.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(inflight);
  return samples;
}

/** What the benchmark reports. */
export interface ClientsPageResult {
  clients: number;
  pinned: boolean;
  rows: { what: string; siteport: Latency; bare?: Latency; target: string }[];
  mp: { console: string; p50: number; p99: number; max: number }[];
  mpRate: number;
  mpSeconds: number;
  rounds: number;
  bytesPerPage: number;
  selectOnly: Latency;
}

export async function clientsPage(options: {
  clients: number;
  mpRate: number;
  mpSeconds: number;
  rounds: number;
}): Promise<ClientsPageResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-clients-page-'));
  const children: ChildProcess[] = [];
  try {
    // The first start makes the site; the clients go in while no server runs (one SQLite writer).
    await stopProcess((await startSiteServer(dir)).child);
    const seedStart = performance.now();
    const db = await openDatabase(databaseLocation(dir, undefined));
    const rows = clientRows(options.clients);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('clients')
          .values(rows.slice(i, i + 500))
          .execute();
    });
    await db.destroy();
    console.error(`seeded ${options.clients} clients in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    // NOTIFY_BENCH_PROFILE=DIR writes the site server's CPU profile (bench-process.ts).
    const site = await startSiteServer(dir);
    children.push(site.child);
    const pinned = pin(site.child.pid!);
    const mpBase = `http://127.0.0.1:${site.http}`;
    const auth = { authorization: `Bearer ${site.token}` };
    const api = `${site.adminUrl}/api/v1/sites/PS1`;
    const bare = spawn(process.execPath, [BARE, path.join(dir, SQLITE_FILE)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(bare);
    const bareBase = `http://127.0.0.1:${(await waitOutput(bare, /port (\d+)/))[1]}`;
    if (pinned) spawnSync('taskset', ['-apc', '1', String(bare.pid)], { stdio: 'ignore' });

    // Warm both up (JIT, page cache).
    for (let i = 0; i < 50; i += 1) {
      await timed(`${api}/clients`, auth);
      await timed(`${bareBase}/?limit=100`);
    }

    // The whole listing, page after page, interleaved: siteport's page and the bare one.
    const mine: number[] = [];
    const theirs: number[] = [];
    let cursor: string | undefined;
    let after: string | null = null;
    let bytesPerPage = 0;
    let pages = 0;
    do {
      const page = await timed(`${api}/clients?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`, auth);
      mine.push(page.ms);
      if (pages === 0) bytesPerPage = Buffer.byteLength(page.body);
      const bareBody: { ms: number; body: string } = await timed(
        `${bareBase}/?limit=100${after === null ? '' : `&after=${after}`}`,
      );
      theirs.push(bareBody.ms);
      cursor = (JSON.parse(page.body) as ClientList).nextCursor;
      after = (JSON.parse(bareBody.body) as { next: string | null }).next;
      pages += 1;
    } while (cursor !== undefined && pages < 5000);

    // The SELECT alone, in this process, for scale.
    const sqlite = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
    const select = sqlite.prepare("SELECT * FROM clients WHERE site_code = 'PS1' AND id > ? ORDER BY id LIMIT 101");
    const ids = (
      sqlite.prepare("SELECT id FROM clients WHERE site_code = 'PS1' ORDER BY id").pluck().all() as string[]
    ).filter((_, i) => i % 100 === 99);
    const selectSamples = ids.map((id) => {
      const start = performance.now();
      select.all(id);
      return performance.now() - start;
    });
    sqlite.close();

    const repeat = async (url: string, n: number): Promise<Latency> => {
      const samples: number[] = [];
      for (let i = 0; i < n; i += 1) samples.push((await timed(url, auth)).ms);
      return latency(samples);
    };
    const hourAgo = new Date(Date.now() - 48 * 3_600_000).toISOString();
    const result: ClientsPageResult = {
      clients: options.clients,
      pinned,
      rows: [
        {
          what: `every page of the listing, limit 100 (${pages} pages)`,
          siteport: latency(mine),
          bare: latency(theirs),
          target: 'p50 ≤ 50 ms, ratio ≤ 3×',
        },
        {
          what: 'first page, limit 1000',
          siteport: await repeat(`${api}/clients?limit=1000`, 50),
          bare: await (async () => {
            const s: number[] = [];
            for (let i = 0; i < 50; i += 1) s.push((await timed(`${bareBase}/?limit=1000`)).ms);
            return latency(s);
          })(),
          target: 'ratio ≤ 3×',
        },
        {
          what: 'status=blocked, first page',
          siteport: await repeat(`${api}/clients?status=blocked`, 200),
          target: 'p50 ≤ 50 ms',
        },
        {
          what: 'port=8530, first page',
          siteport: await repeat(`${api}/clients?port=8530`, 200),
          target: 'p50 ≤ 50 ms',
        },
        {
          what: 'activity=inactive, first page',
          siteport: await repeat(`${api}/clients?activity=inactive`, 200),
          target: 'p50 ≤ 50 ms',
        },
        {
          what: `lastSeenBefore 48 h ago, first page`,
          siteport: await repeat(`${api}/clients?lastSeenBefore=${encodeURIComponent(hourAgo)}`, 200),
          target: 'p50 ≤ 50 ms',
        },
        {
          what: 'channel=tcp (none online: the scan budget ends the page)',
          siteport: await repeat(`${api}/clients?channel=tcp`, 50),
          target: 'p50 ≤ 50 ms',
        },
        { what: 'counts', siteport: await repeat(`${api}/clients/counts`, 50), target: 'p50 ≤ 50 ms' },
        { what: 'site view (GET /sites/PS1)', siteport: await repeat(api, 50), target: 'p50 ≤ 50 ms' },
      ],
      mp: [],
      mpRate: options.mpRate,
      mpSeconds: options.mpSeconds,
      rounds: options.rounds,
      bytesPerPage,
      selectOnly: latency(selectSamples),
    };

    // MP requests in the same process, with and without a console polling.
    const fleet = Array.from({ length: 200 }, (_, i) => new SimulatedClient(`mp-load-${i}`));
    // Signed requests are bound to the MP process's epoch, which every MP answer names (decision 0092).
    const epoch = (await fetch(`${mpBase}/mp/v1/policy`)).headers.get(EPOCH_HEADER) ?? undefined;
    for (const c of fleet) {
      c.epoch = epoch;
      await c.register(mpBase);
    }
    for (const c of fleet) await c.openSession(mpBase);
    await heartbeatLoad(mpBase, fleet, options.mpRate, 2);
    const consoles: [string, (() => Promise<void>) | undefined][] = [
      ['none', undefined],
      ['page (limit 100) every 1 s', () => timed(`${api}/clients?limit=100`, auth).then(() => undefined)],
      [
        'page (limit 100) and counts every 1 s',
        () =>
          Promise.all([timed(`${api}/clients?limit=100`, auth), timed(`${api}/clients/counts`, auth)]).then(
            () => undefined,
          ),
      ],
      ['page (limit 1000) every 1 s', () => timed(`${api}/clients?limit=1000`, auth).then(() => undefined)],
    ];
    const runs = new Map<string, Latency[]>(consoles.map(([name]) => [name, []]));
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [name, poll] of consoles) {
        const timer = poll === undefined ? undefined : setInterval(() => void poll(), 1000);
        try {
          runs.get(name)!.push(latency(await heartbeatLoad(mpBase, fleet, options.mpRate, options.mpSeconds)));
        } finally {
          clearInterval(timer);
        }
      }
    }
    for (const [name] of consoles) {
      const r = runs.get(name)!;
      result.mp.push({
        console: name,
        p50: median(r.map((x) => x.p50)),
        p99: median(r.map((x) => x.p99)),
        max: median(r.map((x) => x.max)),
      });
    }
    return result;
  } finally {
    for (const child of children) await stopProcess(child);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the tables (markdown). */
export function printClientsPage(r: ClientsPageResult): void {
  const ms = (v: number): string => v.toFixed(2);
  console.log(`\n## Clients list at scale: ${r.clients.toLocaleString('en')} clients in the site database (SQLite)\n`);
  console.log(
    `Admin API over loopback HTTP with a bearer token, keep-alive; one request at a time. Bare: node:http answering the same page of the same database with one prepared SELECT and JSON.stringify. ${r.pinned ? 'Site server and bare server on CPU 1, this load generator on CPU 0.' : 'Not pinned to CPUs.'} One page of 100 clients is ${r.bytesPerPage.toLocaleString('en')} bytes; the SELECT of 101 rows alone, in process: p50 ${ms(r.selectOnly.p50)} ms, p99 ${ms(r.selectOnly.p99)} ms.\n`,
  );
  console.log(
    '| request | n | siteport p50 (ms) | siteport p99 (ms) | bare p50 (ms) | bare p99 (ms) | ratio p50 | ratio p99 | target |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of r.rows) {
    const b = row.bare;
    console.log(
      `| ${row.what} | ${row.siteport.n} | ${ms(row.siteport.p50)} | ${ms(row.siteport.p99)} | ${b === undefined ? '–' : ms(b.p50)} | ${b === undefined ? '–' : ms(b.p99)} | ${b === undefined ? '–' : (row.siteport.p50 / b.p50).toFixed(2)} | ${b === undefined ? '–' : (row.siteport.p99 / b.p99).toFixed(2)} | ${row.target} |`,
    );
  }
  const base = r.mp[0];
  console.log(
    `\nMP heartbeats (POST /mp/v1/heartbeat, session MAC) to the same site server process, open loop at ${r.mpRate}/s for ${r.mpSeconds} s from 200 clients, latency from when each request was due; the median of ${r.rounds} interleaved rounds per row.\n`,
  );
  console.log('| console polling | MP p50 (ms) | MP p99 (ms) | MP max (ms) | p99 ratio to no polling | target |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const row of r.mp) {
    console.log(
      `| ${row.console} | ${ms(row.p50)} | ${ms(row.p99)} | ${ms(row.max)} | ${base === undefined ? '–' : (row.p99 / base.p99).toFixed(2)} | p99 ratio ≤ 1.5× |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printClientsPage(
    await clientsPage({
      clients: Number(process.env.CLIENTS_PAGE_CLIENTS ?? 100_000),
      mpRate: Number(process.env.CLIENTS_PAGE_MP_RATE ?? 500),
      mpSeconds: Number(process.env.CLIENTS_PAGE_MP_SECONDS ?? 10),
      rounds: Number(process.env.CLIENTS_PAGE_ROUNDS ?? 3),
    }),
  );
}
