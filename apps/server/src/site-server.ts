import type { Kysely, SiteDatabase } from '@siteport/db';
import type { AdminRoute } from './admin-api/index.js';
import { type PortsView, SiteportError } from '@siteport/protocol';
import type { SiteCluster } from './cluster/index.js';
import type { DirectoryService } from './directory/index.js';
import { type Logger, createLogger } from './logger.js';
import type { NotifyService } from './notify/index.js';
import { type ServerOptions, type ServerOptionsInput, parseServerOptions } from './server-options.js';
import { type ServerState, ServerLifecycle } from './server-lifecycle.js';
import { bootSite } from './site-boot.js';

/** Lifecycle of a site server: starting → running → stopping → stopped (failed start → stopped). */
export type { ServerState } from './server-lifecycle.js';

/** What a started server tells its caller: where everything listens. */
export interface ServerInfo {
  siteCode: string;
  /** The operations listener (`/metrics`, `/health`, `/ready`), when `--ops-port` was given. */
  opsUrl: string | undefined;
  adminUrl: string;
  adminPort: number;
  adminTokenFile: string;
  /** The web console, and the file holding the first administrator's password (created at first start). */
  consoleUrl: string;
  consolePasswordFile: string;
  caFingerprint: string;
  ports: PortsView;
  /** The addresses the MP's client listeners listen on (`::`, or each `--bind` address; `0.0.0.0` after the no-IPv6 fallback). */
  listenAddresses: readonly string[];
}

/** What a booted site server holds besides its lifecycle. */
export interface SiteBooted {
  info: ServerInfo;
  db: Kysely<SiteDatabase>;
  directory: DirectoryService;
  notify: NotifyService;
  cluster: SiteCluster;
  routes: readonly AdminRoute[];
}

/**
 * A running site server: the site database, site services, one management point and the admin
 * API, in one process. Only {@link SiteServer.start} makes one, so every instance has started
 * (and may since have stopped); `site-boot.ts` wires it, behaviour lives in the services.
 */
export class SiteServer {
  /** Where everything listens. */
  readonly info: ServerInfo;
  readonly db: Kysely<SiteDatabase>;
  /** Directory publishing of this site. */
  readonly directory: DirectoryService;
  /** Notification channel and Wake-on-LAN of this server. */
  readonly notify: NotifyService;
  /** This server's part in the site's set of MP processes: registry entry, event bridge. */
  readonly cluster: SiteCluster;
  /** The admin API's route table: what the API serves and checks, and what its OpenAPI document lists. */
  readonly routes: readonly AdminRoute[];

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
    private readonly lifecycle: ServerLifecycle,
    booted: SiteBooted,
  ) {
    this.info = booted.info;
    this.db = booted.db;
    this.directory = booted.directory;
    this.notify = booted.notify;
    this.cluster = booted.cluster;
    this.routes = booted.routes;
  }

  get state(): ServerState {
    return this.lifecycle.state;
  }

  /** Starts a site server; on failure everything opened so far is closed again and the error thrown. */
  static async start(input: ServerOptionsInput, logger?: Logger): Promise<SiteServer> {
    const options = parseServerOptions(input);
    if (options.role !== 'site') {
      throw new SiteportError(
        'E_OPTION',
        'an additional management point (--role mp) runs as MpServer, not SiteServer',
      );
    }
    const log = logger ?? createLogger(options.logLevel);
    const lifecycle = new ServerLifecycle(log);
    const booted = await lifecycle.boot(() => bootSite(options, log, lifecycle));
    return new SiteServer(options, log, lifecycle, booted);
  }

  /** Stops accepting, lets requests in flight finish, flushes activity, closes the database. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}
