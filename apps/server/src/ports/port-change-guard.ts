import type { SiteDatabase, Transaction } from '@siteport/db';
import type { ChangeWarning, PortSettings } from '@siteport/protocol';

/** What a guard adds to a validated change: more ports to test-bind and warnings. */
export interface GuardPlan {
  bind: { item: string; port: number }[];
  warnings: ChangeWarning[];
}

/**
 * Checks every port change before it is stored (may refuse it with a SiteportError) and completes
 * it inside the transaction that stores each new version (direct change, rollout commit, rollback).
 */
export interface PortChangeGuard {
  prepare(siteCode: string, before: PortSettings, after: PortSettings): Promise<GuardPlan>;
  write(
    trx: Transaction<SiteDatabase>,
    siteCode: string,
    before: PortSettings,
    after: PortSettings,
    at: string,
  ): Promise<void>;
}
