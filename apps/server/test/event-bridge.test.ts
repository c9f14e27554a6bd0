import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type Kysely, type SiteDatabase, openDatabase, sql } from '@siteport/db';
import type { ReceivedEvent } from '../src/bridge/event-bridge.js';
import { PostgresEventBridge } from '../src/bridge/postgres/postgres-event-bridge.js';
import { POSTGRES_BIN, type TestPostgres, requirePostgres, startPostgres } from '../../../test-support/postgres.js';
import { waitFor } from '../../../test-support/wait-for.js';

const logger = pino({ level: process.env.SITEPORT_TEST_LOG ?? 'silent' });

describe('PostgreSQL event bridge', () => {
  let pg: TestPostgres | undefined;
  before(async () => {
    if (existsSync(path.join(POSTGRES_BIN, 'initdb'))) pg = await startPostgres();
  });
  after(() => pg?.destroy());

  async function database(t: { after(fn: () => unknown): void }): Promise<{ db: Kysely<SiteDatabase>; url: string }> {
    const url = await pg!.createDatabase();
    const db = await openDatabase({ kind: 'postgres', url });
    t.after(() => db.destroy());
    return { db, url };
  }

  function bridge(
    t: { after(fn: () => unknown): void },
    db: Kysely<SiteDatabase>,
    url: string,
    origin: string,
    extra: { reconnectBaseMs?: number; random?: () => number } = {},
  ) {
    const b = new PostgresEventBridge({ db, url, origin, logger, pollMs: 60_000, gapTimeoutMs: 2000, ...extra });
    const seen: ReceivedEvent[] = [];
    b.subscribe((e) => seen.push(e));
    t.after(() => b.stop());
    return { bridge: b, seen };
  }

  it('delivers an event published by one process to every other process once, in order, and not back to its publisher', async (t) => {
    if (!requirePostgres(t)) return;
    const { db, url } = await database(t);
    const a = bridge(t, db, url, 'mp-a');
    const b = bridge(t, db, url, 'mp-b');
    const c = bridge(t, db, url, 'mp-c');
    await Promise.all([a.bridge.start(), b.bridge.start(), c.bridge.start()]);
    for (let version = 2; version <= 6; version += 1)
      await a.bridge.publish({ kind: 'ports-changed', siteCode: 'PS1', version });
    await waitFor('both others received five events', () => b.seen.length === 5 && c.seen.length === 5, 10_000);
    for (const { seen } of [b, c]) {
      assert.deepEqual(
        seen.map((e) => (e.event.kind === 'ports-changed' ? e.event.version : 0)),
        [2, 3, 4, 5, 6],
      );
      assert.ok(seen.every((e) => e.origin === 'mp-a'));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.seen.length, 0, 'the publisher acted on its own events already');
    assert.equal(b.seen.length, 5, 'nothing delivered twice');
  });

  it('catches up an event published while its LISTEN connection was down, after reconnecting', async (t) => {
    if (!requirePostgres(t)) return;
    const { db, url } = await database(t);
    const a = bridge(t, db, url, 'mp-a');
    // A slow first reconnect (the jitter pinned to the top of its range), so the event is surely published while B is not listening.
    const b = bridge(t, db, url, 'mp-b', { reconnectBaseMs: 1500, random: () => 0.999 });
    await Promise.all([a.bridge.start(), b.bridge.start()]);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'siteport-events' and datname = current_database()`.execute(
      db,
    );
    await waitFor('B noticed the lost connection', () => b.bridge.state === 'reconnecting', 5000, 10);
    // A's LISTEN connection was cut too; its publishing uses the pool and is unaffected.
    await a.bridge.publish({ kind: 'web-changed', siteCode: 'PS1' });
    assert.equal(b.bridge.state, 'reconnecting', 'the event was published while B was not listening');
    await waitFor('B reconnected and caught up', () => b.bridge.state === 'listening' && b.seen.length === 1, 10_000);
    assert.equal(b.seen[0]?.event.kind, 'web-changed');
  });

  it('reconnects after a PostgreSQL restart, keeps events published meanwhile in order, and loses none', async (t) => {
    if (!requirePostgres(t)) return;
    const { db, url } = await database(t);
    const a = bridge(t, db, url, 'mp-a');
    const b = bridge(t, db, url, 'mp-b');
    await Promise.all([a.bridge.start(), b.bridge.start()]);
    await a.bridge.publish({ kind: 'ports-changed', siteCode: 'PS1', version: 2 });
    await waitFor('first event', () => b.seen.length === 1, 10_000);
    await pg!.restart();
    // Published right after the restart: the outbox retries until the database answers again.
    await a.bridge.publish({ kind: 'ports-changed', siteCode: 'PS1', version: 3 });
    await a.bridge.publish({ kind: 'ports-changed', siteCode: 'PS1', version: 4 });
    await waitFor(
      'B listening again with every event',
      () => b.bridge.state === 'listening' && b.seen.length === 3,
      20_000,
    );
    assert.deepEqual(
      b.seen.map((e) => (e.event.kind === 'ports-changed' ? e.event.version : 0)),
      [2, 3, 4],
    );
  });
});
