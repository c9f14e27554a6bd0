// The activity write of an MP (ClientRepository.recordContacts, one flush of the ActivityRecorder)
// against the one UPDATE per client it replaced, on a throwaway PostgreSQL cluster and on SQLite,
// in the same run: `node --import tsx bench/heartbeat-writes.ts`.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, type SiteDatabase, openDatabase, sql } from '@siteport/db';
import { ClientRepository, type ContactUpdate } from '@siteport/server';
import { startPostgres } from '../test-support/postgres.js';
import { insertPrimarySite } from '../test-support/primary-site.js';

/** Clients seeded in each database. */
const CLIENTS = Number(process.env.HEARTBEAT_BENCH_CLIENTS ?? 20_000);
/** Contact updates per flush, one table row each. */
const BATCHES = (process.env.HEARTBEAT_BENCH_BATCHES ?? '1000,5000,20000').split(',').map(Number);
/** Flushes of each path and size; the table gives the median. */
const ROUNDS = Number(process.env.HEARTBEAT_BENCH_ROUNDS ?? 5);
/**
 * PostgreSQL's `shared_buffers` (e.g. `1GB`, for a cache that holds the whole clients table); the
 * throwaway cluster's default, 128 MB, when unset.
 */
const SHARED_BUFFERS = process.env.HEARTBEAT_BENCH_SHARED_BUFFERS;
/** Which databases to measure. */
const DATABASES = (process.env.HEARTBEAT_BENCH_DATABASES ?? 'postgres,sqlite').split(',');

type Dialect = 'PostgreSQL' | 'SQLite';
type WritePath = 'one UPDATE per client (before)' | 'UPDATE … FROM VALUES per 1,000 (after)';

interface Row {
  dialect: Dialect;
  path: WritePath;
  updates: number;
  statements: number;
  msPerFlush: number;
  /** This process's CPU per row written (the MP's side of the write; on SQLite the database's too). */
  clientCpuUs: number;
  /** The PostgreSQL cluster's CPU per row written, every server process of it; undefined on SQLite. */
  databaseCpuUs: number | undefined;
}

/** CPU milliseconds so far of a PostgreSQL cluster: its postmaster and every process it started. */
function clusterCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    // Fields after the command name: state ppid … utime (14th field) stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === postmaster || Number(fields[1]) === postmaster)
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux.
}

/** The write before this change: one UPDATE statement per client, in one transaction. */
async function perClientUpdates(db: Kysely<SiteDatabase>, updates: readonly ContactUpdate[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const u of updates) {
      await trx
        .updateTable('clients')
        .set({
          last_contact_at: u.at,
          last_port: u.port,
          last_protocol: u.protocol,
          last_address: u.address,
          ...(u.settingsVersion === undefined ? {} : { settings_version: u.settingsVersion }),
          ...(u.agentState === undefined ? {} : { agent_state: u.agentState }),
          ...(u.hostname === undefined ? {} : { hostname: u.hostname }),
          ...(u.stateDir === undefined ? {} : { state_dir: u.stateDir }),
        })
        .where('id', '=', u.id)
        .execute();
    }
  });
}

function clientId(i: number): string {
  return `hb-${i}`;
}

/** Site PS1 and CLIENTS clients `hb-0…`, written by the database itself (a million take seconds). */
async function seed(db: Kysely<SiteDatabase>): Promise<void> {
  const at = new Date().toISOString();
  await insertPrimarySite(db, at);
  await sql`WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${CLIENTS - 1})
INSERT INTO clients (id, site_code, hostname, public_key, key_fingerprint, category, agent_version,
  registered_at, last_contact_at, last_port, last_protocol, last_address, settings_version, agent_state,
  state_dir, status, status_changed_at)
SELECT 'hb-' || CAST(i AS text), 'PS1', 'host-' || CAST(i AS text), 'pem', 'fp-' || CAST(i AS text), 'workgroup',
  'bench', ${at}, ${at}, 443, 'https', '10.0.0.1', 1, 'running', NULL, 'active', NULL FROM n`.execute(db);
  // As a production table is: the planner knows its size.
  await sql`ANALYZE clients`.execute(db);
}

/**
 * One flush's updates: `count` distinct clients picked at random, half of them heartbeats (which
 * carry settings version, state and host name) and half policy requests (which carry none).
 */
function flushOf(count: number, at: string): ContactUpdate[] {
  const ids = Array.from({ length: CLIENTS }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count).map((i, k) => ({
    id: clientId(i),
    at,
    port: 443,
    protocol: 'https',
    address: `10.0.${(i >> 8) & 255}.${i & 255}`,
    ...(k % 2 === 0 ? { settingsVersion: 2, agentState: 'running', hostname: `host-${i}` } : {}),
  }));
}

async function measure(
  dialect: Dialect,
  db: Kysely<SiteDatabase>,
  databaseCpuMs: (() => number) | undefined,
): Promise<Row[]> {
  let statements = 0;
  // Counts every statement the write sends (BEGIN and COMMIT are not queries of the builder).
  const counted = db.withPlugin({
    transformQuery(args) {
      statements += 1;
      return args.node;
    },
    transformResult(args) {
      return Promise.resolve(args.result);
    },
  });
  const repository = new ClientRepository(counted);
  const paths: Record<WritePath, (updates: ContactUpdate[]) => Promise<void>> = {
    'one UPDATE per client (before)': (updates) => perClientUpdates(counted, updates),
    'UPDATE … FROM VALUES per 1,000 (after)': (updates) => repository.recordContacts(updates),
  };
  const rows: Row[] = [];
  let stamp = Date.parse('2027-01-01T00:00:00.000Z');
  for (const size of BATCHES) {
    const samples = new Map<WritePath, { ms: number[]; client: number[]; database: number[]; statements: number }>();
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate which path goes first, so neither always meets a warmer cache.
      const order = Object.keys(paths) as WritePath[];
      if (round % 2 === 1) order.reverse();
      for (const name of order) {
        stamp += 1000;
        const at = new Date(stamp).toISOString();
        const updates = flushOf(size, at);
        statements = 0;
        const databaseBefore = databaseCpuMs?.() ?? 0;
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await paths[name](updates);
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const databaseMs = (databaseCpuMs?.() ?? 0) - databaseBefore;
        const written = await db
          .selectFrom('clients')
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
          .where('last_contact_at', '=', at)
          .executeTakeFirstOrThrow();
        if (Number(written.n) !== size) throw new Error(`${name} wrote ${String(written.n)} of ${size} rows`);
        const sample = samples.get(name) ?? { ms: [], client: [], database: [], statements };
        sample.ms.push(ms);
        sample.client.push((cpu.user + cpu.system) / size);
        sample.database.push((databaseMs * 1000) / size);
        samples.set(name, sample);
      }
    }
    for (const [name, sample] of samples)
      rows.push({
        dialect,
        path: name,
        updates: size,
        statements: sample.statements,
        msPerFlush: median(sample.ms),
        clientCpuUs: median(sample.client),
        databaseCpuUs: databaseCpuMs === undefined ? undefined : median(sample.database),
      });
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function table(rows: Row[]): string {
  const lines = [
    '| database | write | updates per flush | statements per flush | ms per flush (median) | rows per second | × before | CPU per row, writing process (µs) | CPU per row, PostgreSQL (µs) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const before = rows.find(
      (r) => r.dialect === row.dialect && r.updates === row.updates && r.path === 'one UPDATE per client (before)',
    );
    const speedup = before === undefined ? '' : (before.msPerFlush / row.msPerFlush).toFixed(1);
    const perSecond = Math.round((row.updates / row.msPerFlush) * 1000);
    lines.push(
      `| ${row.dialect} | ${row.path} | ${row.updates} | ${row.statements} | ${row.msPerFlush.toFixed(1)} | ${perSecond} | ${speedup} | ${row.clientCpuUs.toFixed(0)} | ${row.databaseCpuUs?.toFixed(0) ?? '–'} |`,
    );
  }
  return lines.join('\n');
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `heartbeat writes, ${new Date().toISOString()}, ${os.cpus().length} × ${cpu}, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(2) ?? '?'}; ${CLIENTS} clients, ${ROUNDS} flushes per path and size`,
);
const rows: Row[] = [];
if (DATABASES.includes('postgres')) {
  const pg = await startPostgres();
  try {
    if (SHARED_BUFFERS !== undefined) {
      await pg.psql('postgres', `ALTER SYSTEM SET shared_buffers = '${SHARED_BUFFERS.replace(/[^0-9A-Za-z]/g, '')}'`);
      await pg.restart();
    }
    const db = await openDatabase({ kind: 'postgres', url: await pg.createDatabase('heartbeat') });
    try {
      await seed(db);
      rows.push(...(await measure('PostgreSQL', db, () => clusterCpuMs(path.join(pg.dir, 'data')))));
      const size = await sql<{ total: string; heap: string; buffers: string }>`SELECT
        pg_size_pretty(pg_total_relation_size('clients')) AS total, pg_size_pretty(pg_relation_size('clients')) AS heap,
        current_setting('shared_buffers') AS buffers`.execute(db);
      const { total, heap, buffers } = size.rows[0]!;
      console.log(
        `PostgreSQL: clients table after the run ${total} with its indexes (${heap} heap); shared_buffers ${buffers}`,
      );
    } finally {
      await db.destroy();
    }
  } finally {
    await pg.destroy();
  }
}
if (DATABASES.includes('sqlite')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-heartbeat-'));
  try {
    const db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'site.db') });
    try {
      await seed(db);
      rows.push(...(await measure('SQLite', db, undefined)));
    } finally {
      await db.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(table(rows));
console.log(`done ${new Date().toISOString()}, load ${os.loadavg()[0]?.toFixed(2) ?? '?'}`);
