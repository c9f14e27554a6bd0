// Over 300 lines: LISTEN/NOTIFY, the outbox, catch-up after a reconnect and their retries are one connection's state machine.
import diagnostics from 'node:diagnostics_channel';
import pg from 'pg';
import type { Logger } from 'pino';
import { backoffDelay } from '@siteport/backoff';
import { type Kysely, type SiteDatabase, sql } from '@siteport/db';
import type { BridgeEvent, BridgeState, EventBridge, ReceivedEvent } from '../event-bridge.js';
import { EventCursor } from '../event-cursor.js';

/** The NOTIFY channel of siteport's event log. */
const EVENTS_CHANNEL = 'siteport_events';

/** Options of {@link PostgresEventBridge}; timings are overridable for tests. */
export interface PostgresEventBridgeOptions {
  db: Kysely<SiteDatabase>;
  /** postgres:// URL of the site database: the LISTEN connection is opened on it. */
  url: string;
  /** Registry id of this process. */
  origin: string;
  logger: Logger;
  /**
   * Ceiling of the first delay before reconnecting the LISTEN connection, or before sending an
   * event again; doubles up to `reconnectMaxMs`, with full jitter. @default 250
   */
  reconnectBaseMs?: number;
  /** @default 10000 */
  reconnectMaxMs?: number;
  /** Where those delays draw their jitter, a number in [0, 1) (tests pin it). @default Math.random */
  random?: () => number;
  /** How long a missing seq is waited for (an insert still committing). @default 5000 */
  gapTimeoutMs?: number;
  /** Events are also read this often, in case a NOTIFY was lost. @default 10000 */
  pollMs?: number;
  /** Set on the site server: events older than this are deleted (once a minute). */
  pruneAfterMs?: number;
}

interface Row {
  seq: number;
  origin: string;
  kind: string;
  payload: string;
  at: string;
}

interface Outgoing {
  event: BridgeEvent;
  at: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

const READ_BATCH = 500;
const STOP_FLUSH_MS = 2000;
const MAX_OUTBOX = 10_000;
const stateChannel = diagnostics.channel('siteport:bridge:state');
const eventChannel = diagnostics.channel('siteport:bridge:event');

/**
 * The event bridge on PostgreSQL (decision 0070). Publishing inserts into `site_events` and
 * NOTIFYs `siteport_events` in one statement. A dedicated connection LISTENs; every notification,
 * every (re)connect and a periodic poll read the events above the cursor, so an event published
 * while the connection was down is caught up, and none is delivered twice ({@link EventCursor}).
 * The LISTEN connection is reopened with backoff when PostgreSQL restarts or the network drops.
 */
export class PostgresEventBridge implements EventBridge {
  private stateValue: BridgeState = 'idle';
  private client: pg.Client | undefined;
  private cursor = new EventCursor(0, 0);
  private readonly handlers = new Set<(event: ReceivedEvent) => void>();
  private readonly outbox: Outgoing[] = [];
  private draining: Promise<void> = Promise.resolve();
  private sending = false;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly o: Required<Omit<PostgresEventBridgeOptions, 'pruneAfterMs'>> & { pruneAfterMs: number | undefined };

  constructor(options: PostgresEventBridgeOptions) {
    this.o = {
      reconnectBaseMs: 250,
      reconnectMaxMs: 10_000,
      random: Math.random,
      gapTimeoutMs: 5000,
      pollMs: 10_000,
      ...options,
      pruneAfterMs: options.pruneAfterMs,
    };
  }

  get origin(): string {
    return this.o.origin;
  }

  get state(): BridgeState {
    return this.stateValue;
  }

  subscribe(handler: (event: ReceivedEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Starts from the newest stored event (older ones are history) and opens the LISTEN connection. */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`the event bridge cannot start from ${this.stateValue}`);
    this.setState('connecting');
    const newest = await this.o.db
      .selectFrom('site_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    this.cursor = new EventCursor(Number(newest?.seq ?? 0), this.o.gapTimeoutMs);
    await this.connect();
    this.schedulePoll();
    if (this.o.pruneAfterMs !== undefined) {
      this.pruneTimer = setInterval(() => void this.prune(), 60_000);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'stopped') return;
    // What is still unsent gets a last chance while the database answers (a stopping MP's presence).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.draining, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_FLUSH_MS)))]);
    clearTimeout(timer);
    this.setState('stopped');
    clearTimeout(this.pollTimer);
    clearInterval(this.pruneTimer);
    for (const wake of this.wakers) wake();
    await this.draining;
    for (const item of this.outbox.splice(0))
      item.reject(new Error('the event bridge stopped before the event was stored'));
    await this.reading;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await this.end(client);
  }

  publish(event: BridgeEvent): Promise<void> {
    if (this.stateValue === 'stopped') return Promise.reject(new Error('the event bridge is stopped'));
    return new Promise((resolve, reject) => {
      if (this.outbox.length >= MAX_OUTBOX) {
        this.outbox
          .shift()
          ?.reject(
            new Error('the event bridge dropped the oldest unsent event: the database has been unreachable too long'),
          );
      }
      this.outbox.push({ event, at: new Date().toISOString(), resolve, reject });
      if (this.sending) return;
      this.sending = true;
      this.draining = this.drain();
    });
  }

  /** Sends the outbox in order; a failure waits and retries the same event (the database restarts). */
  private async drain(): Promise<void> {
    let failures = 0;
    // `sending` is cleared in the same turn as the last emptiness check, so a publish never waits on a finished drain.
    for (;;) {
      if (this.outbox.length === 0 || this.stateValue === 'stopped') {
        this.sending = false;
        return;
      }
      const item = this.outbox[0]!;
      try {
        const { kind, ...payload } = item.event;
        await sql`with e as (insert into site_events (origin, kind, payload, at) values (${this.o.origin}, ${kind}, ${JSON.stringify(payload)}, ${item.at}) returning seq)
          select pg_notify(${EVENTS_CHANNEL}, seq::text) from e`.execute(this.o.db);
        this.outbox.shift();
        item.resolve();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1)
          this.o.logger.warn(
            { err: (error as Error).message, pending: this.outbox.length },
            'cannot publish a site event; retrying',
          );
        await this.pause(this.backoff(failures));
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.url,
      keepAlive: true,
      application_name: 'siteport-events',
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', () => void this.catchUp());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await this.end(client);
      throw error;
    }
    if (this.stateValue === 'stopped') {
      await this.end(client);
      return;
    }
    this.client = client;
    this.setState('listening');
    // Whatever was published while nobody listened here.
    await this.catchUp();
  }

  private lost(client: pg.Client, error: Error): void {
    if (client !== this.client || this.stateValue === 'stopped') return;
    this.client = undefined;
    void this.end(client);
    this.o.logger.warn({ err: error.message }, 'lost the event connection to the database; reconnecting');
    this.setState('reconnecting');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; this.stateValue === 'reconnecting'; attempt += 1) {
      await this.pause(this.backoff(attempt));
      if (this.stateValue !== 'reconnecting') return;
      try {
        await this.connect();
        this.o.logger.info({ attempt }, 'event connection to the database is back; caught up');
        return;
      } catch (error) {
        this.o.logger.debug({ err: (error as Error).message, attempt }, 'event connection not back yet');
      }
    }
  }

  /** Reads every event above the cursor (and the open gaps); serialised, repeated when asked meanwhile. */
  catchUp(): Promise<void> {
    if (this.reading !== undefined) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        try {
          await this.readAll();
        } catch (error) {
          // The LISTEN connection's reconnect, or the next poll, reads again.
          this.o.logger.debug({ err: (error as Error).message }, 'reading site events failed');
          return;
        }
      } while (this.readAgain && this.stateValue !== 'stopped');
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const db = this.o.db;
    const gaps = this.cursor.openGaps(1000);
    if (gaps.length > 0) {
      const rows = await db.selectFrom('site_events').selectAll().where('seq', 'in', gaps).execute();
      this.deliver(rows);
    }
    for (;;) {
      const rows = await db
        .selectFrom('site_events')
        .selectAll()
        .where('seq', '>', this.cursor.highest)
        .orderBy('seq')
        .limit(READ_BATCH)
        .execute();
      this.deliver(rows);
      if (rows.length < READ_BATCH) break;
    }
    this.cursor.sweep(Date.now());
  }

  private deliver(raw: readonly Row[]): void {
    const fresh = this.cursor.accept(
      raw.map((r) => ({ ...r, seq: Number(r.seq) })),
      Date.now(),
    );
    for (const row of fresh) {
      if (row.origin === this.o.origin) continue;
      let event: BridgeEvent;
      try {
        event = { kind: row.kind, ...(JSON.parse(row.payload) as object) } as BridgeEvent;
      } catch (error) {
        this.o.logger.error({ err: error, seq: row.seq }, 'a site event is not JSON; skipped');
        continue;
      }
      const received: ReceivedEvent = { seq: row.seq, origin: row.origin, at: row.at, event };
      if (eventChannel.hasSubscribers)
        eventChannel.publish({ origin: this.o.origin, seq: row.seq, kind: row.kind, from: row.origin });
      for (const handler of this.handlers) {
        try {
          handler(received);
        } catch (error) {
          this.o.logger.error({ err: error, kind: row.kind }, 'a site event handler failed');
        }
      }
    }
  }

  /** Safety net: a lost NOTIFY or a gap waiting to expire is read by the next poll. */
  private schedulePoll(): void {
    if (this.stateValue === 'stopped') return;
    const every = this.cursor.hasGaps ? Math.min(this.o.pollMs, Math.max(100, this.o.gapTimeoutMs / 4)) : this.o.pollMs;
    this.pollTimer = setTimeout(() => {
      void this.catchUp().finally(() => this.schedulePoll());
    }, every);
    this.pollTimer.unref();
  }

  private async prune(): Promise<void> {
    if (this.o.pruneAfterMs === undefined) return;
    try {
      const before = new Date(Date.now() - this.o.pruneAfterMs).toISOString();
      await this.o.db.deleteFrom('site_events').where('at', '<', before).execute();
    } catch (error) {
      this.o.logger.debug({ err: (error as Error).message }, 'pruning old site events failed; retrying in a minute');
    }
  }

  /** The delay before retry `attempt` (1 for the first), with full jitter. */
  private backoff(attempt: number): number {
    return backoffDelay(attempt - 1, { baseMs: this.o.reconnectBaseMs, capMs: this.o.reconnectMaxMs }, this.o.random);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      // Not unref'd: an event waiting to be sent, or a connection to reopen, is work; stop() wakes it.
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async end(client: pg.Client): Promise<void> {
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    // A connection that dies while closing reports it here; nothing to do about it.
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }

  private setState(next: BridgeState): void {
    if (this.stateValue === next) return;
    this.stateValue = next;
    if (stateChannel.hasSubscribers) stateChannel.publish({ origin: this.o.origin, state: next });
  }
}
