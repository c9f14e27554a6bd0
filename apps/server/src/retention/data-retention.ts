import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import { AuditRepository } from '../site/index.js';

/** How long finished records are kept, in days; 0 keeps them forever. */
export interface RetentionPolicy {
  auditDays: number;
  rolloutDays: number;
  retiredClientDays: number;
}

/** What one sweep removed. */
export interface RetentionSweep {
  audit: number;
  rollouts: number;
  clients: number;
}

const DAY_MS = 86_400_000;
const FINISHED_ROLLOUTS = ['finalized', 'rolled-back', 'cancelled'];
/** Rows deleted per statement: a long history goes in slices, never one huge transaction. */
const BATCH = 500;

/**
 * Removes what the site no longer needs, once an hour on the site server: audit entries older
 * than `auditDays`, rollouts finished more than `rolloutDays` ago (with their pre-flight reports),
 * and clients retired more than `retiredClientDays` ago (with their reports and interfaces). A
 * rollout in progress, or a client that is active, pending or blocked, is never touched. Each
 * sweep that removed anything leaves one audit entry saying what.
 */
export class DataRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      policy: RetentionPolicy;
      logger: Logger;
      /** @default one hour */
      intervalMs?: number;
      now?: () => number;
    },
  ) {}

  start(): void {
    const every = this.deps.intervalMs ?? 3_600_000;
    this.timer = setInterval(() => {
      this.running = this.sweep().catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'data retention sweep failed; trying again at the next one'),
      );
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep now. */
  async sweep(): Promise<RetentionSweep> {
    const now = (this.deps.now ?? Date.now)();
    const cutoff = (days: number): string | undefined =>
      days > 0 ? new Date(now - days * DAY_MS).toISOString() : undefined;
    const { policy } = this.deps;
    const result: RetentionSweep = {
      audit: await this.audit(cutoff(policy.auditDays)),
      rollouts: await this.rollouts(cutoff(policy.rolloutDays)),
      clients: await this.clients(cutoff(policy.retiredClientDays)),
    };
    if (result.audit + result.rollouts + result.clients > 0) {
      await new AuditRepository(this.deps.db).append(this.deps.db, {
        at: new Date(now).toISOString(),
        actor: 'siteport (data retention)',
        siteCode: null,
        action: 'retention.sweep',
        oldValue: undefined,
        newValue: { removed: result, keptDays: policy },
        outcome: 'applied',
      });
      this.deps.logger.info({ removed: result }, 'data retention removed old records');
    }
    return result;
  }

  private audit(before: string | undefined): Promise<number> {
    const { db } = this.deps;
    return inSlices(
      before,
      async (cutoff) =>
        (await db.selectFrom('audit_log').select('seq').where('at', '<', cutoff).limit(BATCH).execute()).map(
          (r) => r.seq,
        ),
      async (seqs) => {
        await db.deleteFrom('audit_log').where('seq', 'in', seqs).execute();
      },
    );
  }

  private rollouts(before: string | undefined): Promise<number> {
    const { db } = this.deps;
    return inSlices(
      before,
      async (cutoff) =>
        (
          await db
            .selectFrom('rollouts')
            .select('id')
            .where('state', 'in', FINISHED_ROLLOUTS)
            .where((eb) => eb(eb.fn.coalesce('ended_at', 'created_at'), '<', cutoff))
            .limit(BATCH)
            .execute()
        ).map((r) => r.id),
      (ids) =>
        db.transaction().execute(async (trx) => {
          await trx.deleteFrom('probe_reports').where('rollout_id', 'in', ids).execute();
          await trx.deleteFrom('rollouts').where('id', 'in', ids).execute();
        }),
    );
  }

  private clients(before: string | undefined): Promise<number> {
    const { db } = this.deps;
    return inSlices(
      before,
      async (cutoff) =>
        (
          await db
            .selectFrom('clients')
            .select('id')
            .where('status', '=', 'retired')
            .where('status_changed_at', '<', cutoff)
            .limit(BATCH)
            .execute()
        ).map((r) => r.id),
      (ids) =>
        db.transaction().execute(async (trx) => {
          await trx.deleteFrom('probe_reports').where('client_id', 'in', ids).execute();
          await trx.deleteFrom('client_interfaces').where('client_id', 'in', ids).execute();
          await trx.deleteFrom('clients').where('id', 'in', ids).execute();
        }),
    );
  }
}

/** Finds up to {@link BATCH} keys older than the cutoff and removes them, until none is left; returns how many went. No cutoff: nothing. */
async function inSlices<K>(
  cutoff: string | undefined,
  find: (cutoff: string) => Promise<K[]>,
  remove: (keys: K[]) => Promise<void>,
): Promise<number> {
  if (cutoff === undefined) return 0;
  let removed = 0;
  for (;;) {
    const keys = await find(cutoff);
    if (keys.length === 0) return removed;
    await remove(keys);
    removed += keys.length;
  }
}
