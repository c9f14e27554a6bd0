import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import type { SiteCluster } from './cluster/index.js';
import type { MpParts } from './mp-wiring.js';
import type { OpsMetrics } from './ops/index.js';
import { type OpsTargets, createOpsMetrics, listenOps } from './ops-wiring.js';
import type { RolloutRepository } from './ports/index.js';
import type { ServerOptions } from './server-options.js';
import type { Component, ServerLifecycle } from './server-lifecycle.js';

/** What the operations endpoints read of an MP process, and its metrics when `--ops-port` is given. */
export function processMetrics(input: {
  options: ServerOptions;
  siteCode: string;
  role: 'site' | 'mp';
  db: Kysely<SiteDatabase>;
  rollouts: RolloutRepository;
  cluster: SiteCluster;
  /** The MP's parts, once made. */
  parts: () => MpParts | undefined;
  lifecycle: ServerLifecycle;
}): { targets: OpsTargets; metrics: OpsMetrics | undefined } {
  const { siteCode, role, db, rollouts, cluster, parts } = input;
  const targets: OpsTargets = {
    siteCode,
    role,
    db,
    rollouts,
    hub: () => parts()?.notify.hub,
    listeners: () => parts()?.mp.listenerStatus() ?? [],
    cluster: () => cluster,
  };
  const metrics = input.options.opsPort === undefined ? undefined : createOpsMetrics(targets);
  if (metrics !== undefined) input.lifecycle.onStop('metrics', () => metrics.close());
  return { targets, metrics };
}

/** What `createMpParts` takes from the options and the cluster, the same in both processes. */
export function sharedMpInputs(
  options: ServerOptions,
  cluster: SiteCluster,
  metrics: OpsMetrics | undefined,
  logger: Logger,
) {
  return {
    bindHosts: options.bindHosts,
    managementPoints: () => cluster.managementPoints(),
    notifyKeepAliveSeconds: options.notifyKeepAliveSeconds,
    notifyLiveness: options.notifyLiveness,
    notifyOfflineSeconds: options.notifyOfflineSeconds,
    connections: options.connections,
    sourceLimits: options.sourceLimits,
    remote: () => cluster.remote(),
    ...(metrics === undefined ? {} : { observe: metrics.observe }),
    logger,
  };
}

/** A certificate the process serves and renews on a timer. */
export interface RenewedCertificate {
  start(): void;
  stop(): void;
}

/** The operations listener (`/metrics`, `/health`, `/ready`), when `--ops-port` is given. */
export class OpsListener implements Component {
  readonly name = 'operations listener';
  private server: { url: string; close(): Promise<void> } | undefined;

  constructor(
    private readonly options: { opsHost: string; opsPort: number },
    private readonly metrics: OpsMetrics,
    private readonly targets: OpsTargets,
    private readonly logger: Logger,
  ) {}

  /** Where it listens, once started. */
  get url(): string | undefined {
    return this.server?.url;
  }

  async start(): Promise<void> {
    this.server = await listenOps(this.options, this.metrics, this.targets, this.logger);
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}

/**
 * What every MP process runs, the site server's and each `--role mp` process, in the order they
 * start (they stop in reverse): client activity, the MP's listeners, the notification channel,
 * its place in the site's cluster, then (site server only) the site's services, certificate
 * renewal and the operations listener.
 */
export function mpComponents(input: {
  parts: MpParts;
  cluster: SiteCluster;
  certificate: RenewedCertificate;
  ops: OpsListener | undefined;
  /** Binds the listeners; the site server retries a new site's free ports taken meanwhile. */
  listen?: () => Promise<void>;
  /** The site server's own services, started once the MP serves and before the certificate timer. */
  services?: readonly Component[];
}): Component[] {
  const { mp, activity, notify } = input.parts;
  return [
    { name: 'client activity', start: () => activity.start(), stop: () => activity.stop() },
    { name: 'MP listeners', start: input.listen ?? (() => mp.start()), stop: () => mp.stop() },
    { name: 'notification channel', start: () => notify.start(), stop: () => notify.stop() },
    // Leaving the cluster is part of closing it (opened before these, closed after them).
    { name: 'cluster membership', start: () => input.cluster.join(mp, notify.hub), stop: () => undefined },
    ...(input.services ?? []),
    { name: 'certificate renewal', start: () => input.certificate.start(), stop: () => input.certificate.stop() },
    ...(input.ops === undefined ? [] : [input.ops]),
  ];
}
