import { type Kysely, type SiteDatabase, poolStatsOf, sql } from '@siteport/db';
import type { Logger } from 'pino';
import type { SiteCluster } from './cluster/index.js';
import type { ListenerStatus } from './net/index.js';
import type { NotificationHub } from './notify/index.js';
import type { RolloutRepository } from './ports/index.js';
import { type Check, OpsMetrics, OpsServer } from './ops/index.js';

/** Rollout states that are finished: not counted as open. */
const FINISHED = new Set(['finalized', 'rolled-back', 'cancelled']);

/** What the operations listener of a process reads; filled in as the process boots (hence the getters). */
export interface OpsTargets {
  siteCode: string;
  role: 'site' | 'mp';
  db: Kysely<SiteDatabase>;
  rollouts: RolloutRepository;
  hub: () => NotificationHub | undefined;
  listeners: () => readonly ListenerStatus[];
  cluster: () => SiteCluster | undefined;
}

/** The metrics of a process with an operations listener (`--ops-port`); created before the MP, so it sees every request. */
export function createOpsMetrics(targets: OpsTargets): OpsMetrics {
  return new OpsMetrics({
    siteCode: targets.siteCode,
    role: targets.role,
    onlineClients: () => targets.hub()?.onlineCounts() ?? { tcp: 0, 'http-poll': 0 },
    openRollouts: async () => {
      const counts: Record<string, number> = {};
      for (const r of await targets.rollouts.list(targets.siteCode))
        if (!FINISHED.has(r.state)) counts[r.state] = (counts[r.state] ?? 0) + 1;
      return counts;
    },
    pool: () => poolStatsOf(targets.db),
    listeners: targets.listeners,
  });
}

/** `/ready`'s checks: the database answers, every client listener is bound, this process is in the site's registry. */
function readinessChecks(targets: OpsTargets): Record<string, Check> {
  return {
    database: async () => {
      await sql`select 1`.execute(targets.db);
      return { name: 'database', ok: true, detail: 'answers' };
    },
    listeners: () => {
      const all = targets.listeners();
      const failed = all.filter((l) => l.state !== 'listening');
      const ok = all.length > 0 && failed.length === 0;
      const detail =
        failed.length > 0
          ? failed.map((l) => `${l.protocol} ${l.port}: ${l.error ?? l.state}`).join('; ')
          : all.length === 0
            ? 'no client listener is open'
            : `${all.length} listening`;
      return Promise.resolve({ name: 'listeners', ok, detail });
    },
    cluster: () => {
      const cluster = targets.cluster();
      const fresh = cluster?.registry.isFresh() ?? false;
      const bridge = cluster?.bridge?.state;
      const ok = fresh && (bridge === undefined || bridge === 'listening');
      const detail = !fresh
        ? 'this process is not (or no longer) registered as a management point of the site'
        : bridge === undefined
          ? 'registered'
          : `registered; event bridge ${bridge}`;
      return Promise.resolve({ name: 'cluster', ok, detail });
    },
  };
}

/** Opens the operations listener. */
export function listenOps(
  options: { opsHost: string; opsPort: number },
  metrics: OpsMetrics,
  targets: OpsTargets,
  logger: Logger,
): Promise<OpsServer> {
  return OpsServer.listen({
    host: options.opsHost,
    port: options.opsPort,
    metrics,
    checks: readinessChecks(targets),
    logger,
  });
}
