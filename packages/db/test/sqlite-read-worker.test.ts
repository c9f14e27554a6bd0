import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { READ_QUEUE_LIMIT, SqliteReadWorker } from '../src/index.js';

/** A query that keeps SQLite busy for a while: sums a long generated series. */
const SLOW = `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) SELECT sum(i) AS total FROM s`;
const SLOW_ROWS = 3_000_000;

function database(t: { after: (fn: () => void) => void }): { file: string; main: Database.Database } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-read-worker-'));
  const file = path.join(dir, 'site.db');
  const main = new Database(file);
  main.pragma('journal_mode = WAL');
  main.exec('CREATE TABLE clients (id TEXT PRIMARY KEY, status TEXT NOT NULL)');
  t.after(() => {
    main.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, main };
}

/** The longest gap between timer ticks of 5 ms while `work` runs. */
async function longestStall(work: () => unknown): Promise<{ stall: number; ms: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 5);
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  const ms = performance.now() - start;
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  return { stall, ms };
}

test('a read worker answers named statements from its own read-only connection and sees what the main connection committed', async (t) => {
  const { file, main } = database(t);
  const reads = new SqliteReadWorker(file, {
    byStatus: 'SELECT status, count(*) AS n FROM clients GROUP BY status ORDER BY status',
    write: "INSERT INTO clients VALUES ('x', 'active') RETURNING id",
  });
  t.after(() => reads.close());
  assert.deepEqual(await reads.all('byStatus'), []);
  main.prepare('INSERT INTO clients VALUES (?, ?)').run('a', 'active');
  main.prepare('INSERT INTO clients VALUES (?, ?)').run('b', 'blocked');
  assert.deepEqual(await reads.all('byStatus'), [
    { status: 'active', n: 1 },
    { status: 'blocked', n: 1 },
  ]);
  // Read-only: a statement that writes fails, and the worker goes on.
  await assert.rejects(
    reads.all('write'),
    (e: Error & { code?: string }) => e.code === 'E_INTERNAL' && /readonly/i.test(e.message),
  );
  await assert.rejects(reads.all('dropTable'), /no read statement named "dropTable"/);
  assert.equal((await reads.all<{ n: number }>('byStatus')).length, 2);
});

test('a long read on the worker leaves the main thread free, where the same read on the main thread stalls it', async (t) => {
  const { file, main } = database(t);
  const reads = new SqliteReadWorker(file, { slow: SLOW });
  t.after(() => reads.close());
  await reads.all('slow', [10]); // start the worker before measuring
  const onMain = await longestStall(() => main.prepare(SLOW).all(SLOW_ROWS));
  const onWorker = await longestStall(() => reads.all('slow', [SLOW_ROWS]));
  assert.ok(onMain.stall > 100, `the read on the main thread stalls timers (${onMain.stall.toFixed(0)} ms)`);
  assert.ok(onWorker.ms > 100, `the read on the worker takes as long (${onWorker.ms.toFixed(0)} ms)`);
  assert.ok(
    onWorker.stall < onMain.stall / 3,
    `timers ran on time while the worker read (${onWorker.stall.toFixed(0)} ms stall vs ${onMain.stall.toFixed(0)} ms)`,
  );
});

test('reads past the queue limit are refused with E_DATABASE_BUSY, and close refuses the rest', async (t) => {
  const { file } = database(t);
  const reads = new SqliteReadWorker(file, { slow: SLOW });
  const waiting = Array.from({ length: READ_QUEUE_LIMIT }, () => reads.all('slow', [200_000]));
  await assert.rejects(reads.all('slow', [1]), (e: Error & { code?: string }) => e.code === 'E_DATABASE_BUSY');
  const settled = Promise.allSettled(waiting);
  await reads.close();
  const outcomes = await settled;
  assert.ok(
    outcomes.some((o) => o.status === 'rejected'),
    'reads still waiting at close are refused',
  );
  await assert.rejects(reads.all('slow', [1]), /closed/);
});
