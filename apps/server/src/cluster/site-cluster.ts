import type { Kysely, SiteDatabase } from '@siteport/db';
import type { ManagementPointList, MpRole } from '@siteport/protocol';
import type { Logger } from 'pino';
import { BridgeRequests, type EventBridge, PostgresEventBridge, relaySiteEvents } from '../bridge/index.js';
import { type NotificationHub, RemoteNotify } from '../notify/index.js';
import { ManagementPointRepository } from './management-point-repository.js';
import type { PortBinder } from '../ports/index.js';
import type { SiteEvents } from '../site/index.js';
import { ClusterBinder, answerBindChecks } from './cluster-binder.js';
import { MpRegistry, type RegistryTiming } from './mp-registry.js';

/** Site events are kept this long for listeners that catch up, then pruned by the site server. */
const EVENTS_KEPT_MS = 60 * 60 * 1000;

/** What a process needs to take part in its site's set of MP processes. */
export interface SiteClusterDeps {
  db: Kysely<SiteDatabase>;
  /** postgres:// URL of the shared site database; undefined on SQLite (one process, no bridge). */
  postgresUrl: string | undefined;
  siteCode: string;
  role: MpRole;
  /** Host name clients use for this MP. */
  host: string;
  bindAddress: string;
  /** `--public-host` names: what policy announces on SQLite, where there is one MP. */
  publicHosts: readonly string[];
  timing: RegistryTiming;
  events: SiteEvents;
  logger: Logger;
  /** The list of live MP hosts changed (policy must be rebuilt). */
  onHostsChanged: () => void;
}

/**
 * This process's part in the site's set of management point processes (decision 0070):
 * its registry entry, and on PostgreSQL the event bridge with what runs over it — site events,
 * notification across MPs, bind checks on every MP. On SQLite there is one process: the registry
 * entry only, and policy announces the `--public-host` names as before.
 */
export class SiteCluster {
  readonly registry: MpRegistry;
  readonly bridge: EventBridge | undefined;
  private readonly requests: BridgeRequests | undefined;
  private remoteNotify: RemoteNotify | undefined;
  private readonly detach: (() => void)[] = [];

  private constructor(private readonly deps: SiteClusterDeps) {
    this.registry = new MpRegistry({
      repo: new ManagementPointRepository(deps.db),
      siteCode: deps.siteCode,
      host: deps.host,
      bindAddress: deps.bindAddress,
      role: deps.role,
      timing: deps.timing,
      logger: deps.logger.child({ component: 'registry' }),
      onHostsChanged: () => deps.onHostsChanged(),
      prune: deps.role === 'site',
    });
    if (deps.postgresUrl !== undefined) {
      this.bridge = new PostgresEventBridge({
        db: deps.db,
        url: deps.postgresUrl,
        origin: this.registry.id,
        logger: deps.logger.child({ component: 'bridge' }),
        ...(deps.role === 'site' ? { pruneAfterMs: EVENTS_KEPT_MS } : {}),
      });
      this.requests = new BridgeRequests(this.bridge, () => this.registry.others());
    }
  }

  /** Starts following the other processes' events (before this process's MP opens its listeners). */
  static async open(deps: SiteClusterDeps): Promise<SiteCluster> {
    const cluster = new SiteCluster(deps);
    if (cluster.bridge !== undefined) {
      await cluster.bridge.start();
      cluster.detach.push(relaySiteEvents(deps.events, cluster.bridge, deps.logger.child({ component: 'bridge' })));
    }
    return cluster;
  }

  /**
   * Joins the registry once this process's MP serves, answers other processes' bind checks with
   * its test-binds and delivers their notification requests to the clients connected here.
   */
  async join(mp: PortBinder, hub: NotificationHub): Promise<void> {
    if (this.bridge !== undefined && this.requests !== undefined) {
      this.detach.push(answerBindChecks(this.bridge, mp, this.deps.host));
      this.remoteNotify = new RemoteNotify({
        bridge: this.bridge,
        hub,
        requests: this.requests,
        others: () => this.registry.others(),
        logger: this.deps.logger.child({ component: 'notify-remote' }),
      });
      this.remoteNotify.start();
    }
    await this.registry.start();
  }

  /** MP host names for policy: every live MP process on PostgreSQL; the `--public-host` names on SQLite. */
  managementPoints(): readonly string[] {
    return this.bridge === undefined ? this.deps.publicHosts : this.registry.hosts();
  }

  /** This MP's test-bind, and on PostgreSQL every other live MP's too. */
  binder(local: PortBinder): PortBinder {
    return this.requests === undefined ? local : new ClusterBinder(local, this.requests, () => this.registry.others());
  }

  /** Notification across MP processes (undefined on SQLite, or before {@link join}). */
  remote(): RemoteNotify | undefined {
    return this.remoteNotify;
  }

  list(siteCode: string): Promise<ManagementPointList> {
    return this.registry.list(siteCode);
  }

  /** Leaves the set: presence cleared, registry entry marked stopped, bridge closed. */
  async stop(): Promise<void> {
    this.remoteNotify?.stop();
    await this.registry.stop();
    for (const detach of this.detach.splice(0)) detach();
    await this.bridge?.stop();
  }
}
