import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import { AuditRepository } from '../repositories/audit-repository.js';

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

  private async audit(before: string | undefined): Promise<number> {
    if (before === undefined) return 0;
    let removed = 0;
    for (;;) {
      const seqs = (
        await this.deps.db.selectFrom('audit_log').select('seq').where('at', '<', before).limit(BATCH).execute()
      ).map((r) => r.seq);
      if (seqs.length === 0) return removed;
      await this.deps.db.deleteFrom('audit_log').where('seq', 'in', seqs).execute();
      removed += seqs.length;
    }
  }

  private async rollouts(before: string | undefined): Promise<number> {
    if (before === undefined) return 0;
    let removed = 0;
    for (;;) {
      const ids = (
        await this.deps.db
          .selectFrom('rollouts')
          .select('id')
          .where('state', 'in', FINISHED_ROLLOUTS)
          .where((eb) => eb(eb.fn.coalesce('ended_at', 'created_at'), '<', before))
          .limit(BATCH)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return removed;
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('probe_reports').where('rollout_id', 'in', ids).execute();
        await trx.deleteFrom('rollouts').where('id', 'in', ids).execute();
      });
      removed += ids.length;
    }
  }

  private async clients(before: string | undefined): Promise<number> {
    if (before === undefined) return 0;
    let removed = 0;
    for (;;) {
      const ids = (
        await this.deps.db
          .selectFrom('clients')
          .select('id')
          .where('status', '=', 'retired')
          .where('status_changed_at', '<', before)
          .limit(BATCH)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return removed;
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('probe_reports').where('client_id', 'in', ids).execute();
        await trx.deleteFrom('client_interfaces').where('client_id', 'in', ids).execute();
        await trx.deleteFrom('clients').where('id', 'in', ids).execute();
      });
      removed += ids.length;
    }
  }
}
