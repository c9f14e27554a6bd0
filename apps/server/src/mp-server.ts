import { databaseLocation, type Kysely, openDatabase, type SiteDatabase } from '@siteport/db';
import { type PortsView, SiteportError } from '@siteport/protocol';
import { SiteCluster } from './cluster/index.js';
import { inheritedOverlap } from './hierarchy/index.js';
import { type Logger, createLogger } from './logger.js';
import type { ListenerStatus } from './net/index.js';
import type { ManagementPoint } from './mp/index.js';
import { type MpParts, createMpParts } from './mp-wiring.js';
import { type OpsTargets, createOpsMetrics, listenOps } from './ops-wiring.js';
import { openMpCertificate } from './pki/index.js';
import { AuditRepository, SiteEvents, SiteRepository } from './site/index.js';
import { ClientRepository, ClientService, RegistrationRepository } from './clients/index.js';
import { PortSettingsService, RolloutRepository } from './ports/index.js';
import { type ServerOptions, type ServerOptionsInput, mpHost, parseServerOptions } from './server-options.js';
import { WebSiteRepository } from './web/index.js';
import { type ServerState, ServerLifecycle } from './server-lifecycle.js';
import { secureDataDirAtStart } from './fs/index.js';

/** Lifecycle of an MP process: starting → running → stopping → stopped (failed start → stopped). */
export type MpServerState = ServerState;

/** What a started MP process tells its caller. */
export interface MpServerInfo {
  /** The operations listener (`/metrics`, `/health`, `/ready`), when `--ops-port` was given. */
  opsUrl: string | undefined;
  siteCode: string;
  /** Host name clients use for this MP (in every policy of the site while it runs). */
  host: string;
  /** Its id in the site's MP registry. */
  registryId: string;
  caFingerprint: string;
  ports: PortsView;
  listeners: ListenerStatus[];
}

/**
 * An additional management point of a site (`siteport server --role mp`, issue 8): the MP request
 * listeners, client request handling, policy, activity recording and the notification listener,
 * on the site's shared PostgreSQL database. The site server keeps the admin API, the console, the
 * rollout progress check, push, directory publishing and the hierarchy link; this process follows
 * its settings and rollouts through the event bridge and registers in the MP registry.
 */
export class MpServer {
  private mp: ManagementPoint | undefined;

  private readonly lifecycle: ServerLifecycle;

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
  ) {
    this.lifecycle = new ServerLifecycle(logger);
  }

  info!: MpServerInfo;
  db!: Kysely<SiteDatabase>;
  cluster!: SiteCluster;

  get state(): MpServerState {
    return this.lifecycle.state;
  }

  /** Starts an MP process; on failure everything opened so far is closed again and the error thrown. */
  static async start(input: ServerOptionsInput, logger?: Logger): Promise<MpServer> {
    const options = parseServerOptions({ ...input, role: 'mp' });
    const server = new MpServer(options, logger ?? createLogger(options.logLevel));
    await server.lifecycle.boot(() => server.boot());
    return server;
  }

  private async boot(): Promise<void> {
    const { options } = this;
    const host = mpHost(options);
    const logger = this.logger.child({ mp: host });
    const location = databaseLocation(options.dataDir, options.databaseUrl);
    if (location.kind !== 'postgres') throw new SiteportError('E_OPTION', '--role mp needs --db postgres://…');
    await secureDataDirAtStart(options.dataDir, [], logger);
    const db = await openDatabase(location);
    this.db = db;
    this.lifecycle.onStop(() => db.destroy());
    const sites = new SiteRepository(db);
    const siteCode = await siteOf(sites, options);
    const site = await sites.find(siteCode);

    const events = new SiteEvents();
    const cluster = await SiteCluster.open({
      db,
      postgresUrl: location.url,
      siteCode,
      role: 'mp',
      host,
      bindAddress: options.bindHost,
      publicHosts: options.publicHosts,
      timing: options.registryTiming,
      events,
      logger,
      onHostsChanged: () => parts.policy.invalidate(),
    });
    this.lifecycle.onStop(() => cluster.stop());
    this.cluster = cluster;
    if (cluster.bridge === undefined) throw new SiteportError('E_OPTION', '--role mp needs --db postgres://…');
    // Its own key pair; the site server signs its certificate over the bridge and keeps the CA key (decision 0101).
    const pki = await openMpCertificate({
      dataDir: options.dataDir,
      host,
      hosts: [...new Set([host, ...options.publicHosts])],
      bridge: cluster.bridge,
      checkMs: options.mpCertificate.checkMs,
      logger: logger.child({ component: 'pki' }),
    });
    const certificate = pki.served;
    const signerOf = (tls: { cert: string; key: string }) => ({ mpKeyPem: tls.key, mpCertificatePem: tls.cert });
    const rollouts = new RolloutRepository(db);
    const clientRepo = new ClientRepository(db);
    const ports = new PortSettingsService({
      db,
      sites,
      rollouts,
      audit: new AuditRepository(db),
      events,
      // Settings change only on the site server; an MP process test-binds when it asks (cluster binder).
      binder: { checkBindable: (p) => this.mp?.checkBindable(p) ?? Promise.resolve() },
      ...(site?.parentCode == null ? {} : { extraServed: (code: string) => inheritedOverlap(db, code) }),
    });
    const booted: { parts?: MpParts } = {};
    const opsTargets: OpsTargets = {
      siteCode,
      role: 'mp',
      db,
      rollouts,
      hub: () => booted.parts?.notify.hub,
      listeners: () => booted.parts?.mp.listenerStatus() ?? [],
      cluster: () => cluster,
    };
    const metrics = options.opsPort === undefined ? undefined : createOpsMetrics(opsTargets);
    if (metrics !== undefined) this.lifecycle.onStop(() => Promise.resolve(metrics.close()));
    const parts = await createMpParts({
      db,
      siteCode,
      bindHost: options.bindHost,
      tls: certificate.served,
      caCertificate: pki.caCertificate,
      caFingerprint: pki.caFingerprint,
      signer: signerOf(certificate.served),
      // The site server started first; this process may replace one that served clients.
      restarted: true,
      sites,
      ports,
      rollouts,
      clientRepo,
      clients: new ClientService(clientRepo, new RegistrationRepository(db), db, options.maxPendingClients),
      events,
      webRepo: new WebSiteRepository(db),
      managementPoints: () => cluster.managementPoints(),
      notifyKeepAliveSeconds: options.notifyKeepAliveSeconds,
      notifyOfflineSeconds: options.notifyOfflineSeconds,
      connections: options.connections,
      sourceLimits: options.sourceLimits,
      remote: () => cluster.remote(),
      ...(metrics === undefined ? {} : { observe: metrics.observe }),
      logger,
    });
    booted.parts = parts;
    this.lifecycle.onStop(() => Promise.resolve(parts.dispose()));
    const { mp, activity, notify } = parts;
    this.mp = mp;
    activity.start();
    this.lifecycle.onStop(() => activity.stop());
    await mp.start();
    this.lifecycle.onStop(() => mp.stop());
    await notify.start();
    this.lifecycle.onStop(() => notify.stop());
    await cluster.join(mp, notify.hub);
    certificate.onChange((served) => parts.setTls(served, signerOf(served)));
    certificate.start();
    this.lifecycle.onStop(() => Promise.resolve(certificate.stop()));
    // `siteport cert renew` on the site server renews every MP process's certificate too.
    const stopFollowing = cluster.bridge.subscribe(({ event }) => {
      if (event.kind !== 'certificates-renew') return;
      certificate.renew(false).catch((error: unknown) => logger.error({ err: error }, 'cannot renew the management point certificate on request'));
    });
    this.lifecycle.onStop(() => Promise.resolve(stopFollowing()));
    const ops = metrics === undefined || options.opsPort === undefined ? undefined : await listenOps({ opsHost: options.opsHost, opsPort: options.opsPort }, metrics, opsTargets, logger.child({ component: 'ops' }));
    if (ops !== undefined) this.lifecycle.onStop(() => ops.close());

    this.info = {
      siteCode,
      host,
      opsUrl: ops?.url,
      registryId: cluster.registry.id,
      caFingerprint: pki.caFingerprint,
      ports: await ports.view(siteCode),
      listeners: mp.listenerStatus(),
    };
    logger.info({ siteCode, host, registryId: cluster.registry.id }, 'management point running');
  }

  /** Stops accepting, lets requests in flight finish, flushes activity, marks the registry entry stopped. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}

/** The site whose MP this process is: the one the database holds, or `--site-code` among several. */
async function siteOf(sites: SiteRepository, options: ServerOptions): Promise<string> {
  const codes = await sites.listCodes();
  if (codes.length === 0) {
    throw new SiteportError('E_OPTION', 'the database holds no site yet: start the site server (siteport server --db … without --role mp) first, then its additional MPs');
  }
  if (options.siteCode === undefined) {
    if (codes.length > 1) throw new SiteportError('E_OPTION', `the database holds sites ${codes.join(', ')}; name this MP's site with --site-code`);
    return codes[0]!;
  }
  if (!codes.includes(options.siteCode)) {
    throw new SiteportError('E_OPTION', `the database holds site ${codes.join(', ')}, not ${options.siteCode}; drop --site-code or point --db at that site's database`);
  }
  return options.siteCode;
}
