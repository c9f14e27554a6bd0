// Over 400 lines for now: the site server's start/stop wiring; one ordered component list shared with MpServer is the planned split.
import { isSiteportError, type PortsView, type SecondaryStatus, SiteportError, type SiteView } from '@siteport/protocol';
import { checkpointSqlite, databaseLocation, type Kysely, openDatabase, type SiteDatabase } from '@siteport/db';
import { type PortBinder, PortSettingsService, RolloutRepository, RolloutService, type ServedEndpoint } from './ports/index.js';
import { AdminApi, type AdminRoute, adminRoutes, certificateRoutes, clientActionRoutes, consoleRoutes, directoryRoutes, firewallRoutes, hierarchyRoutes, HostAllowList, managementPointRoutes, notifyRoutes, pushRoutes, registrationRoutes, rolloutRoutes, SiteServices, tokenRoutes, webSiteRoutes } from './admin-api/index.js';
import { adminListenerLimits, AuthThrottle } from './net/index.js';
import { ADMIN_TOKEN_FILE, ApiTokenRepository, ApiTokens, BootstrapToken } from './tokens/index.js';
import { DirectoryRepository, DirectoryService } from './directory/index.js';
import { type Logger, createLogger } from './logger.js';
import type { ManagementPoint } from './mp/index.js';
import { type MpParts, createMpParts } from './mp-wiring.js';
import { type OpsTargets, createOpsMetrics, listenOps } from './ops-wiring.js';
import { DataRetention } from './retention/index.js';
import { SiteCluster } from './cluster/index.js';
import { answerCertificateRequests, CertificateService, loadSiteCa, openSiteCertificate, siteCertificateNames, trustBundle } from './pki/index.js';
import { AuditRepository, PUSH_REDACT, SecretBox, SiteEvents, SiteRepository } from './site/index.js';
import { ClientPageRepository, ClientRepository, ClientService, RegistrationRepository, RegistrationService, SqliteClientCounts } from './clients/index.js';
import os from 'node:os';
import { type ServerOptions, type ServerOptionsInput, mpHost, parseServerOptions } from './server-options.js';
import { hubPresence, type NotifyService } from './notify/index.js';
import { ensureSite, picksFreePorts, repickFreePorts } from './site-bootstrap.js';
import { acquireServerLock, removeStrayTempFiles, secureDataDirAtStart } from './fs/index.js';
import { FirewallService } from './firewall/index.js';
import { ensureSecondarySite, HierarchyRepository, HierarchyService, inheritedOverlap, InheritedPorts, ParentLink, ParentLinkToken, PeerTokens, readParentTarget, type SecondaryStart } from './hierarchy/index.js';
import { WebSiteRepository, WebSiteService } from './web/index.js';
import path from 'node:path';
import { agentBundleSource, PushRepository, PushService } from './push/index.js';
import { ConsoleAccounts, ConsoleUserAdmin, ConsoleUserRepository, DEFAULT_CONSOLE_DIR, INITIAL_PASSWORD_FILE } from './console/index.js';
import { type ServerState, ServerLifecycle } from './server-lifecycle.js';

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
}

/**
 * A site server: the site database, site services, one management point and the admin API, in one
 * process. `main.ts`-style wiring only; behaviour lives in the services.
 */
export class SiteServer {

  private readonly lifecycle: ServerLifecycle;

  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
  ) {
    this.lifecycle = new ServerLifecycle(logger);
  }

  get state(): ServerState {
    return this.lifecycle.state;
  }

  info!: ServerInfo;
  db!: Kysely<SiteDatabase>;
  /** Directory publishing of this site (S8). */
  directory: DirectoryService | undefined;
  /** Notification channel and Wake-on-LAN of this server (issue 5). */
  notify!: NotifyService;
  /** This server's part in the site's set of MP processes: registry entry, event bridge (issue 8). */
  cluster!: SiteCluster;
  /** The admin API's route table: what the API serves and checks, and what its OpenAPI document lists. */
  routes!: readonly AdminRoute[];

  /** Starts a site server; on failure everything opened so far is closed again and the error thrown. */
  static async start(input: ServerOptionsInput, logger?: Logger): Promise<SiteServer> {
    const options = parseServerOptions(input);
    if (options.role !== 'site') throw new SiteportError('E_OPTION', 'an additional management point (--role mp) runs as MpServer, not SiteServer');
    const server = new SiteServer(options, logger ?? createLogger(options.logLevel));
    await server.lifecycle.boot(() => server.boot());
    return server;
  }

  private async boot(): Promise<void> {
    const { options, logger } = this;
    const location = databaseLocation(options.dataDir, options.databaseUrl);
    const outside = location.kind === 'sqlite' && path.dirname(location.file) !== options.dataDir ? ['', '-wal', '-shm'].map((s) => `${location.file}${s}`) : [];
    await secureDataDirAtStart(options.dataDir, outside, logger);
    const release = await acquireServerLock(options.dataDir);
    this.lifecycle.onStop(release);
    const stray = await removeStrayTempFiles(options.dataDir);
    if (stray.length > 0) logger.warn({ files: stray }, 'removed temporary files that interrupted writes left in the data dir');
    const db = await openDatabase(location);
    this.db = db;
    this.lifecycle.onStop(() => db.destroy());

    const sites = new SiteRepository(db);
    const rolloutRepo = new RolloutRepository(db);
    const clientRepo = new ClientRepository(db);
    const audit = new AuditRepository(db);
    const events = new SiteEvents();
    const webRepo = new WebSiteRepository(db);
    const linkTokens = new ParentLinkToken(options.dataDir);
    const storedLinkToken = options.parent === undefined ? undefined : await linkTokens.load();
    const parentLink: ParentLink | undefined =
      options.parent === undefined
        ? undefined
        : new ParentLink(
            { target: await readParentTarget(options.parent, storedLinkToken !== undefined), siteCode: options.siteCode ?? '', waitSeconds: options.parent.waitSeconds, retryMs: 1000 },
            {
              apply: (view, primary): Promise<boolean> => inherited.apply(view, primary),
              status: async (): Promise<SecondaryStatus> => {
                const v = await services.siteView(siteCode);
                const { version } = await ports.stored(siteCode);
                return { syncedVersion: version, policyIntervalSeconds: v.policyIntervalSeconds, activeWindowSeconds: v.activeWindowSeconds, clients: v.clients, listeners: v.listeners };
              },
              registration: () => ({ adminUrl: this.info.adminUrl, caFingerprint: pki.caFingerprint }),
              linkToken: { store: linkTokens, current: storedLinkToken },
              logger: logger.child({ component: 'parent-link' }),
            },
          );
    const secondary: SecondaryStart | undefined = parentLink === undefined ? undefined : await ensureSecondarySite(sites, options, parentLink, logger);
    const isNewSite = (await sites.listCodes()).length === 0;
    const siteCode: string = secondary?.siteCode ?? (await ensureSite(sites, options, logger));
    const inherited = new InheritedPorts({ siteCode, db, sites, web: webRepo, audit, events, logger: logger.child({ component: 'inherit' }) });
    if (secondary?.fresh !== undefined) await inherited.apply(secondary.fresh.ports, secondary.fresh.primary);
    const ca = await loadSiteCa(options.dataDir, siteCode);
    const pki = { caCertificate: ca.certificate, caFingerprint: ca.fingerprint };
    const clientNames = [...new Set([mpHost(options), ...options.publicHosts])];
    const certificate = await openSiteCertificate({ dataDir: options.dataDir, siteCode, ca, publicHosts: [...options.publicHosts, ...options.adminAllowHosts], clientNames, ...options.mpCertificate, logger: logger.child({ component: 'pki' }) });
    const tokens = new ApiTokens({ db, repo: new ApiTokenRepository(db), audit, bootstrap: await BootstrapToken.load(options.dataDir) });
    // Before any timed part starts: hashing the first password takes a while (decision 0050).
    const throttle = new AuthThrottle({ limits: options.authThrottle, logger: logger.child({ component: 'auth-throttle' }) });
    const users = new ConsoleUserRepository(db);
    const accounts = new ConsoleAccounts({ db, users, audit, logger: logger.child({ component: 'console' }), throttle });
    await accounts.ensureInitialAdministrator(options.dataDir);

    const cluster = await SiteCluster.open({
      db,
      postgresUrl: location.kind === 'postgres' ? location.url : undefined,
      siteCode,
      role: 'site',
      host: mpHost(options),
      bindAddress: options.bindHost,
      publicHosts: options.publicHosts,
      timing: options.registryTiming,
      events,
      logger,
      onHostsChanged: () => parts.policy.invalidate(),
    });
    this.lifecycle.onStop(() => cluster.stop());
    this.cluster = cluster;
    if (cluster.bridge !== undefined) {
      // MP processes of this site get their certificates here: the CA key stays in this process (decision 0101).
      const stopAnswering = answerCertificateRequests(cluster.bridge, { siteCode, ca, lifetimeMs: options.mpCertificate.lifetimeMs, logger: logger.child({ component: 'pki' }) });
      this.lifecycle.onStop(() => Promise.resolve(stopAnswering()));
    }
    const binding: { binder?: PortBinder; mp?: ManagementPoint } = {};
    const binder: PortBinder = { checkBindable: (p) => binding.binder?.checkBindable(p) ?? Promise.resolve() };
    const served = (code: string): Promise<ServedEndpoint[]> => ports.served(code);
    const reconcile = async (): Promise<void> => {
      // Every MP process of the site reconciles, this one included.
      events.webChanged(siteCode);
      await binding.mp?.reconcile();
    };
    const web = new WebSiteService({ db, sites, served, repo: webRepo, audit, binder, reconcile });
    const ports: PortSettingsService = new PortSettingsService({
      db,
      sites,
      rollouts: rolloutRepo,
      audit,
      events,
      binder,
      guard: web,
      ...(parentLink === undefined ? {} : { extraServed: (code: string) => inheritedOverlap(db, code) }),
    });
    const registrationRepo = new RegistrationRepository(db);
    const clients = new ClientService(clientRepo, registrationRepo, db, options.maxPendingClients);
    const tls = certificate.served;
    const booted: { parts?: MpParts } = {};
    const opsTargets: OpsTargets = {
      siteCode,
      role: 'site',
      db,
      rollouts: rolloutRepo,
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
      tls,
      caCertificate: pki.caCertificate,
      caFingerprint: pki.caFingerprint,
      signer: { caKeyPem: ca.privateKey },
      caTrust: trustBundle(certificate, siteCode, ca),
      restarted: !isNewSite,
      sites,
      ports,
      rollouts: rolloutRepo,
      clientRepo,
      clients,
      events,
      webRepo,
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
    const { mp, activity, notify } = parts;
    this.lifecycle.onStop(() => Promise.resolve(parts.dispose()));
    binding.mp = mp;
    binding.binder = cluster.binder(mp);
    const rollouts = new RolloutService({
      db,
      siteCode,
      ports,
      rollouts: rolloutRepo,
      clients,
      logger: logger.child({ component: 'rollout' }),
      remediation: { siteCode, managementPoint: options.publicHosts[0] ?? os.hostname(), caFingerprint: pki.caFingerprint },
      flushActivity: () => activity.flush(),
      directoryPublishing: () => this.directory?.isPublishing() ?? false,
    });
    activity.start();
    this.lifecycle.onStop(() => activity.stop());
    for (let attempt = 1; ; attempt += 1) {
      try {
        await mp.start();
        break;
      } catch (error) {
        const retry = isNewSite && secondary === undefined && picksFreePorts(options) && attempt < 5 && isSiteportError(error, 'E_PORT_IN_USE');
        if (!retry) throw error;
        logger.warn({ err: (error as Error).message }, 'a free port picked for the new site was taken meanwhile; picking again');
        await repickFreePorts(sites, db, options, siteCode);
      }
    }
    this.lifecycle.onStop(() => mp.stop());
    const box = await SecretBox.open(options.dataDir);
    const registration = new RegistrationService({ db, repo: registrationRepo, clients: clientRepo, audit, events, site: (code) => ports.site(code) });
    const push = new PushService({
      siteCode,
      db,
      push: new PushRepository(db),
      audit,
      ports,
      events,
      box,
      caFingerprint: pki.caFingerprint,
      defaultManagementPoint: options.publicHosts[0] ?? os.hostname(),
      clientHost: (id) => clientRepo.findById(id),
      bundle: agentBundleSource(options.agentBundle),
      registrationToken: (code, host, seconds, keyConfirmed) => registration.pushToken(code, host, seconds, keyConfirmed),
      logger: logger.child({ component: 'push' }, { redact: { paths: PUSH_REDACT, censor: '[redacted]' } }),
    });
    await push.start();
    this.lifecycle.onStop(() => push.stop());
    await rollouts.start();
    this.lifecycle.onStop(() => rollouts.stop());
    const retention = new DataRetention({ db, policy: options.retention, logger: logger.child({ component: 'retention' }) });
    retention.start();
    this.lifecycle.onStop(() => retention.stop());
    await notify.start();
    this.lifecycle.onStop(() => notify.stop());
    await cluster.join(mp, notify.hub);

    // On SQLite the counts' pass over every row runs on a read worker, off the MP's thread.
    const clientCounts = location.kind === 'sqlite' ? new SqliteClientCounts(location.file) : undefined;
    if (clientCounts !== undefined) this.lifecycle.onStop(() => clientCounts.close());
    const services = new SiteServices(siteCode, ports, clients, rollouts, audit, {
      caFingerprint: pki.caFingerprint,
      listeners: () => mp.listenerStatus(),
      flushActivity: () => activity.flush(),
      secondaries: (): Promise<SiteView[]> => hierarchy.secondaryViews(siteCode),
      clientPages: new ClientPageRepository(db),
      ...(clientCounts === undefined ? {} : { clientCounts }),
      presence: hubPresence(() => notify.hub, () => cluster.remote()),
    });
    const directory = new DirectoryService({
      siteCode,
      db,
      repository: new DirectoryRepository(db),
      ports,
      audit,
      events,
      caCertificate: pki.caCertificate,
      caFingerprint: pki.caFingerprint,
      managementPointHosts: options.publicHosts.length > 0 ? options.publicHosts : [os.hostname()],
      timing: options.directoryTiming,
      logger: logger.child({ component: 'directory' }),
      box,
      ...(location.kind === 'sqlite' ? { flushDatabase: () => checkpointSqlite(db) } : {}),
    });
    await directory.sealPlainPasswords();
    directory.start();
    this.lifecycle.onStop(() => directory.stop());
    this.directory = directory;
    const hierarchy = new HierarchyService({
      siteCode,
      db,
      repo: new HierarchyRepository(db),
      sites,
      ports,
      audit,
      events,
      tokens: new PeerTokens(options.dataDir),
      apiTokens: tokens,
      change: (code, change, actor) => rollouts.change(code, change, actor),
      ...(parentLink === undefined ? {} : { parentLink: () => parentLink.view() }),
    });
    const routes = [
      ...adminRoutes(services),
      ...registrationRoutes(registration),
      ...clientActionRoutes(registration),
      ...rolloutRoutes(rollouts),
      ...pushRoutes(push),
      ...directoryRoutes(directory),
      ...hierarchyRoutes(hierarchy, () => this.info.adminUrl),
      ...webSiteRoutes(web),
      ...firewallRoutes(new FirewallService({ ports, web: webRepo })),
      ...notifyRoutes(notify.service, siteCode),
      ...managementPointRoutes(cluster, (code) => ports.site(code)),
      ...consoleRoutes(accounts, new ConsoleUserAdmin({ db, users, audit })),
      ...tokenRoutes(tokens),
      ...certificateRoutes(
        new CertificateService({
          siteCode,
          db,
          audit,
          served: certificate,
          names: { required: clientNames, optional: siteCertificateNames(options.publicHosts) },
          ...(cluster.bridge === undefined ? {} : { renewOthers: () => cluster.bridge!.publish({ kind: 'certificates-renew' }) }),
        }),
      ),
    ];
    const hosts = new HostAllowList([...siteCertificateNames([...options.publicHosts, ...options.adminAllowHosts]), options.adminHost]);
    this.routes = routes;
    const admin = new AdminApi({ routes, tokens, logger: logger.child({ component: 'admin' }), tls: certificate.siteIssued, accounts, consoleDir: DEFAULT_CONSOLE_DIR, hosts, throttle });
    const bound = await admin.listen(options.adminHost, options.adminPort, adminListenerLimits(options.connections, logger.child({ component: 'connections' })));
    this.lifecycle.onStop(() => admin.close());
    // Renewed or imported certificates reach the running listeners; open connections keep theirs (decision 0101).
    certificate.onChange((served) => parts.setTls(served));
    certificate.onChange((issued) => admin.setTls(issued), 'site');
    certificate.start();
    this.lifecycle.onStop(() => Promise.resolve(certificate.stop()));
    this.lifecycle.onStop(() => Promise.resolve(hierarchy.releaseWaiters()));

    const ops = metrics === undefined || options.opsPort === undefined ? undefined : await listenOps({ opsHost: options.opsHost, opsPort: options.opsPort }, metrics, opsTargets, logger.child({ component: 'ops' }));
    if (ops !== undefined) this.lifecycle.onStop(() => ops.close());

    this.info = {
      siteCode,
      opsUrl: ops?.url,
      adminUrl: bound.url,
      adminPort: bound.port,
      adminTokenFile: path.join(options.dataDir, ADMIN_TOKEN_FILE),
      consoleUrl: `${bound.url}/console/`,
      consolePasswordFile: path.join(options.dataDir, INITIAL_PASSWORD_FILE),
      caFingerprint: pki.caFingerprint,
      ports: await ports.view(siteCode),
    };
    if (parentLink !== undefined) {
      parentLink.start();
      this.lifecycle.onStop(() => parentLink.stop());
    }
    this.notify = notify.service;
    logger.info({ siteCode, admin: bound.url }, 'site server running');
  }

  /** Stops accepting, lets requests in flight finish, flushes activity, closes the database. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}
