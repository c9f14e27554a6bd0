// Over 300 lines: the site server's boot in the order it opens things (storage, site, PKI, cluster, ports, MP); its services are in site-services-wiring.ts.
import os from 'node:os';
import path from 'node:path';
import { type DatabaseLocation, databaseLocation, openDatabase } from '@siteport/db';
import { type SecondaryStatus, isSiteportError } from '@siteport/protocol';
import type { Logger } from 'pino';
import { ClientRepository, ClientService, RegistrationRepository } from './clients/index.js';
import { SiteCluster } from './cluster/index.js';
import { ConsoleAccounts, ConsoleUserRepository } from './console/index.js';
import { acquireServerLock, removeStrayTempFiles, secureDataDirAtStart } from './fs/index.js';
import {
  InheritedPorts,
  ParentLink,
  ParentLinkToken,
  type SecondaryStart,
  ensureSecondarySite,
  inheritedOverlap,
  readParentTarget,
} from './hierarchy/index.js';
import type { ManagementPoint } from './mp/index.js';
import { OpsListener, mpComponents, processMetrics, sharedMpInputs } from './mp-components.js';
import { type MpParts, createMpParts } from './mp-wiring.js';
import { AuthThrottle } from './net/index.js';
import { answerCertificateRequests, loadSiteCa, openSiteCertificate, trustBundle } from './pki/index.js';
import {
  type PortBinder,
  PortSettingsService,
  RolloutRepository,
  RolloutService,
  type ServedEndpoint,
} from './ports/index.js';
import { type ServerOptions, mpHost } from './server-options.js';
import { bindAddressText, policyNames, specificAddresses } from './bind-addresses.js';
import type { ServerLifecycle } from './server-lifecycle.js';
import { ensureSite, picksFreePorts, repickFreePorts } from './site-bootstrap.js';
import type { SiteBooted } from './site-server.js';
import { type LateSiteParts, siteServiceComponents } from './site-services-wiring.js';
import { AuditRepository, SiteEvents, SiteRepository } from './site/index.js';
import { ApiTokenRepository, ApiTokens, BootstrapToken } from './tokens/index.js';
import { WebSiteRepository, WebSiteService } from './web/index.js';
import { CollectionRepository, MaintenanceWindows } from './windows/index.js';

/**
 * Boots a site server: storage, the site (a secondary's from its primary), PKI, the cluster, the
 * port settings and the MP, then starts the components in one order (`mpComponents`: the MP's,
 * with the site's services among them). What it opens is registered with `lifecycle`, so a
 * failed boot closes it again.
 */
export async function bootSite(
  options: ServerOptions,
  logger: Logger,
  lifecycle: ServerLifecycle,
): Promise<SiteBooted> {
  const location = databaseLocation(options.dataDir, options.databaseUrl);
  const db = await openStorage(options, location, logger, lifecycle);
  const sites = new SiteRepository(db);
  const rolloutRepo = new RolloutRepository(db);
  const clientRepo = new ClientRepository(db);
  const audit = new AuditRepository(db);
  const events = new SiteEvents();
  const webRepo = new WebSiteRepository(db);
  // Filled in as the boot goes on; closures made before read them later.
  const late: LateSiteParts & { parts?: MpParts; mp?: ManagementPoint; binder?: PortBinder } = {};

  const linkTokens = new ParentLinkToken(options.dataDir);
  const storedLinkToken = options.parent === undefined ? undefined : await linkTokens.load();
  const parentLink: ParentLink | undefined =
    options.parent === undefined
      ? undefined
      : new ParentLink(
          {
            target: await readParentTarget(options.parent, storedLinkToken !== undefined),
            siteCode: options.siteCode ?? '',
            waitSeconds: options.parent.waitSeconds,
            retryMs: 1000,
          },
          {
            apply: (view, primary): Promise<boolean> => inherited.apply(view, primary),
            status: async (): Promise<SecondaryStatus> => {
              const v = await late.site!.siteView(siteCode);
              const { version } = await ports.stored(siteCode);
              return {
                syncedVersion: version,
                policyIntervalSeconds: v.policyIntervalSeconds,
                activeWindowSeconds: v.activeWindowSeconds,
                clients: v.clients,
                listeners: v.listeners,
              };
            },
            registration: () => ({ adminUrl: late.adminUrl ?? '', caFingerprint: ca.fingerprint }),
            linkToken: { store: linkTokens, current: storedLinkToken },
            logger: logger.child({ component: 'parent-link' }),
          },
        );
  const secondary: SecondaryStart | undefined =
    parentLink === undefined ? undefined : await ensureSecondarySite(sites, options, parentLink, logger);
  const isNewSite = (await sites.listCodes()).length === 0;
  const siteCode: string = secondary?.siteCode ?? (await ensureSite(sites, options, logger));
  const inherited = new InheritedPorts({
    siteCode,
    db,
    sites,
    web: webRepo,
    audit,
    events,
    logger: logger.child({ component: 'inherit' }),
  });
  if (secondary?.fresh !== undefined) await inherited.apply(secondary.fresh.ports, secondary.fresh.primary);

  const ca = await loadSiteCa(options.dataDir, siteCode);
  const clientNames = [...new Set([mpHost(options), ...options.publicHosts, ...specificAddresses(options.bindHosts)])];
  const certificate = await openSiteCertificate({
    dataDir: options.dataDir,
    siteCode,
    ca,
    // The MP's own addresses when it listens on specific ones (IPv6 or IPv4): agents that connect by address verify them.
    publicHosts: [...clientNames, ...options.adminAllowHosts],
    clientNames,
    ...options.mpCertificate,
    logger: logger.child({ component: 'pki' }),
  });
  const tokens = new ApiTokens({
    db,
    repo: new ApiTokenRepository(db),
    audit,
    bootstrap: await BootstrapToken.load(options.dataDir),
  });
  // Before any timed part starts: hashing the first password takes a while (decision 0050).
  const throttle = new AuthThrottle({
    limits: options.authThrottle,
    logger: logger.child({ component: 'auth-throttle' }),
  });
  const users = new ConsoleUserRepository(db);
  const accounts = new ConsoleAccounts({ db, users, audit, logger: logger.child({ component: 'console' }), throttle });
  await accounts.ensureInitialAdministrator(options.dataDir);

  const cluster = await SiteCluster.open({
    db,
    postgresUrl: location.kind === 'postgres' ? location.url : undefined,
    siteCode,
    role: 'site',
    host: mpHost(options),
    bindAddress: bindAddressText(options.bindHosts),
    publicHosts: policyNames(options),
    timing: options.registryTiming,
    events,
    logger,
    onHostsChanged: () => late.parts?.policy.invalidate(),
  });
  lifecycle.onStop('cluster', () => cluster.stop());
  if (cluster.bridge !== undefined) {
    // MP processes of this site get their certificates here: the CA key stays in this process (decision 0101).
    const stopAnswering = answerCertificateRequests(cluster.bridge, {
      siteCode,
      ca,
      lifetimeMs: options.mpCertificate.lifetimeMs,
      logger: logger.child({ component: 'pki' }),
    });
    lifecycle.onStop('certificate requests', stopAnswering);
  }

  const binder: PortBinder = { checkBindable: (p) => late.binder?.checkBindable(p) ?? Promise.resolve() };
  const served = (code: string): Promise<ServedEndpoint[]> => ports.served(code);
  const reconcile = async (): Promise<void> => {
    // Every MP process of the site reconciles, this one included.
    events.webChanged(siteCode);
    await late.mp?.reconcile();
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
  const { targets: opsTargets, metrics } = processMetrics({
    options,
    siteCode,
    role: 'site',
    db,
    rollouts: rolloutRepo,
    cluster,
    parts: () => late.parts,
    lifecycle,
  });
  const parts = await createMpParts({
    db,
    siteCode,
    tls: certificate.served,
    caCertificate: ca.certificate,
    caFingerprint: ca.fingerprint,
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
    ...sharedMpInputs(options, cluster, metrics, logger),
  });
  late.parts = parts;
  late.mp = parts.mp;
  late.binder = cluster.binder(parts.mp);
  lifecycle.onStop('MP timers', () => parts.dispose());
  // Renewed or imported certificates reach the running listeners; open connections keep theirs (decision 0101).
  certificate.onChange((tls) => parts.setTls(tls));
  const maintenanceWindows = new MaintenanceWindows({
    db,
    repo: new CollectionRepository(db),
    audit,
    site: (code) => ports.site(code),
    announce: async (code) => events.portsChanged(code, (await ports.stored(code)).version),
  });
  const rollouts = new RolloutService({
    db,
    siteCode,
    ports,
    rollouts: rolloutRepo,
    clients,
    logger: logger.child({ component: 'rollout' }),
    remediation: { siteCode, managementPoint: options.publicHosts[0] ?? os.hostname(), caFingerprint: ca.fingerprint },
    flushActivity: () => parts.activity.flush(),
    directoryPublishing: () => late.directory?.isPublishing() ?? false,
    waiting: async (r, progress, now) =>
      r.respectWindows && r.state === 'overlapping'
        ? maintenanceWindows.waiting(r.siteCode, r.committedAt, [...progress.remaining, ...progress.inactive], now)
        : undefined,
  });

  const site = await siteServiceComponents({
    options,
    logger,
    location,
    db,
    siteCode,
    late,
    repos: { sites, clients: clientRepo, registrations: registrationRepo, web: webRepo, audit },
    events,
    ports,
    clients,
    rollouts,
    maintenanceWindows,
    web,
    parts,
    cluster,
    certificate,
    caCertificate: ca.certificate,
    caFingerprint: ca.fingerprint,
    clientNames,
    tokens,
    accounts,
    users,
    throttle,
    parentLink,
    lifecycle,
  });
  const ops =
    metrics === undefined || options.opsPort === undefined
      ? undefined
      : new OpsListener(
          { opsHost: options.opsHost, opsPort: options.opsPort },
          metrics,
          opsTargets,
          logger.child({ component: 'ops' }),
        );
  await lifecycle.startAll(
    mpComponents({
      parts,
      cluster,
      certificate,
      ops,
      services: site.components,
      listen: () =>
        listenRetrying(parts.mp, isNewSite && secondary === undefined && picksFreePorts(options), async () => {
          logger.warn('a free port picked for the new site was taken meanwhile; picking again');
          await repickFreePorts(sites, db, options, siteCode);
        }),
    }),
  );
  logger.info({ siteCode, admin: late.adminUrl }, 'site server running');
  return {
    db,
    cluster,
    directory: site.directory,
    routes: site.routes,
    notify: parts.notify.service,
    info: {
      ...site.info(),
      siteCode,
      opsUrl: ops?.url,
      caFingerprint: ca.fingerprint,
      ports: await ports.view(siteCode),
      listenAddresses: [
        ...new Set(parts.mp.listenerStatus().flatMap((l) => (l.state === 'listening' ? (l.address ?? []) : []))),
      ],
    },
  };
}

/** Secures the data dir, takes its lock, removes interrupted writes and opens the database. */
async function openStorage(
  options: ServerOptions,
  location: DatabaseLocation,
  logger: Logger,
  lifecycle: ServerLifecycle,
) {
  const outside =
    location.kind === 'sqlite' && path.dirname(location.file) !== options.dataDir
      ? ['', '-wal', '-shm'].map((s) => `${location.file}${s}`)
      : [];
  await secureDataDirAtStart(options.dataDir, outside, logger);
  lifecycle.onStop('data-dir lock', await acquireServerLock(options.dataDir));
  const stray = await removeStrayTempFiles(options.dataDir);
  if (stray.length > 0)
    logger.warn({ files: stray }, 'removed temporary files that interrupted writes left in the data dir');
  const db = await openDatabase(location);
  lifecycle.onStop('database', () => db.destroy());
  return db;
}

/** Binds the MP's listeners; a new site whose free ports were taken meanwhile picks again (5 tries). */
async function listenRetrying(mp: ManagementPoint, mayRepick: boolean, repick: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await mp.start();
      return;
    } catch (error) {
      if (!(mayRepick && attempt < 5 && isSiteportError(error, 'E_PORT_IN_USE'))) throw error;
      await repick();
    }
  }
}
