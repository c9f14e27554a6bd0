import os from 'node:os';
import path from 'node:path';
import { type DatabaseLocation, type Kysely, type SiteDatabase, checkpointSqlite } from '@siteport/db';
import type { SiteView } from '@siteport/protocol';
import type { Logger } from 'pino';
import { AdminApi, type AdminRoute, HostAllowList, SiteServices, siteRoutes } from './admin-api/index.js';
import {
  ClientPageRepository,
  type ClientRepository,
  type ClientService,
  type RegistrationRepository,
  RegistrationService,
  SqliteClientCounts,
} from './clients/index.js';
import type { SiteCluster } from './cluster/index.js';
import {
  type ConsoleAccounts,
  ConsoleUserAdmin,
  type ConsoleUserRepository,
  DEFAULT_CONSOLE_DIR,
  INITIAL_PASSWORD_FILE,
} from './console/index.js';
import { DirectoryRepository, DirectoryService } from './directory/index.js';
import { FirewallService } from './firewall/index.js';
import { GatewaySettings, GatewaySite } from './gateway/index.js';
import { HierarchyRepository, HierarchyService, type ParentLink, PeerTokens } from './hierarchy/index.js';
import type { MpParts } from './mp-wiring.js';
import { type AuthThrottle, adminListenerLimits } from './net/index.js';
import { hubPresence } from './notify/index.js';
import { CertificateService, loadSiteCa, type ServedCertificate, siteCertificateNames } from './pki/index.js';
import type { PortSettingsService, RolloutService } from './ports/index.js';
import type { MaintenanceWindows } from './windows/index.js';
import { PushRepository, PushService, agentBundleSource } from './push/index.js';
import { DataRetention } from './retention/index.js';
import { type ServerOptions, mpHost } from './server-options.js';
import type { Component, ServerLifecycle } from './server-lifecycle.js';
import type { ServerInfo } from './site-server.js';
import { type AuditRepository, PUSH_REDACT, SecretBox, type SiteEvents, type SiteRepository } from './site/index.js';
import { ADMIN_TOKEN_FILE, type ApiTokens } from './tokens/index.js';
import type { WebSiteRepository, WebSiteService } from './web/index.js';

/** Parts of a site server that closures made early in the boot read once they exist. */
export interface LateSiteParts {
  site?: SiteServices;
  directory?: DirectoryService;
  adminUrl?: string;
}

/** What the site's services need from the boot that made the MP. */
export interface SiteServiceInput {
  options: ServerOptions;
  logger: Logger;
  location: DatabaseLocation;
  db: Kysely<SiteDatabase>;
  siteCode: string;
  late: LateSiteParts;
  repos: {
    sites: SiteRepository;
    clients: ClientRepository;
    registrations: RegistrationRepository;
    web: WebSiteRepository;
    audit: AuditRepository;
  };
  events: SiteEvents;
  ports: PortSettingsService;
  clients: ClientService;
  rollouts: RolloutService;
  /** Client collections and their maintenance windows (decision 0114). */
  maintenanceWindows: MaintenanceWindows;
  web: WebSiteService;
  parts: MpParts;
  cluster: SiteCluster;
  certificate: ServedCertificate;
  caCertificate: string;
  caFingerprint: string;
  clientNames: string[];
  tokens: ApiTokens;
  accounts: ConsoleAccounts;
  users: ConsoleUserRepository;
  throttle: AuthThrottle;
  parentLink: ParentLink | undefined;
  lifecycle: ServerLifecycle;
}

/**
 * The services only the site server runs (registration, push, rollout progress, retention,
 * directory publishing, the hierarchy and the admin API), as components in start order.
 */
export async function siteServiceComponents(s: SiteServiceInput): Promise<{
  components: Component[];
  directory: DirectoryService;
  routes: readonly AdminRoute[];
  info: () => Pick<ServerInfo, 'adminUrl' | 'adminPort' | 'adminTokenFile' | 'consoleUrl' | 'consolePasswordFile'>;
}> {
  const { options, logger, db, siteCode, repos, events, ports, late, parts, cluster, certificate } = s;
  const { audit } = repos;
  const fingerprint = s.caFingerprint;
  const box = await SecretBox.open(options.dataDir);
  const registration = new RegistrationService({
    db,
    repo: repos.registrations,
    clients: repos.clients,
    audit,
    events,
    site: (code) => ports.site(code),
  });
  const push = new PushService({
    siteCode,
    db,
    push: new PushRepository(db),
    audit,
    ports,
    events,
    box,
    caFingerprint: fingerprint,
    defaultManagementPoint: options.publicHosts[0] ?? os.hostname(),
    clientHost: (id) => repos.clients.findById(id),
    bundle: agentBundleSource(options.agentBundle),
    registrationToken: (code, host, seconds, keyConfirmed) => registration.pushToken(code, host, seconds, keyConfirmed),
    logger: logger.child({ component: 'push' }, { redact: { paths: PUSH_REDACT, censor: '[redacted]' } }),
  });
  const retention = new DataRetention({
    db,
    policy: options.retention,
    logger: logger.child({ component: 'retention' }),
  });
  // On SQLite the counts' pass over every row runs on a read worker, off the MP's thread.
  const clientCounts = s.location.kind === 'sqlite' ? new SqliteClientCounts(s.location.file) : undefined;
  if (clientCounts !== undefined) s.lifecycle.onStop('client counts reader', () => clientCounts.close());
  const { mp, activity, notify } = parts;
  const site = new SiteServices(siteCode, ports, s.clients, s.rollouts, audit, {
    caFingerprint: fingerprint,
    listeners: () => mp.listenerStatus(),
    flushActivity: () => activity.flush(),
    secondaries: (): Promise<SiteView[]> => hierarchy.secondaryViews(siteCode),
    clientPages: new ClientPageRepository(db),
    ...(clientCounts === undefined ? {} : { clientCounts }),
    presence: hubPresence(
      () => notify.hub,
      () => cluster.remote(),
    ),
  });
  late.site = site;
  const directory = new DirectoryService({
    siteCode,
    db,
    repository: new DirectoryRepository(db),
    ports,
    audit,
    events,
    caCertificate: s.caCertificate,
    caFingerprint: fingerprint,
    managementPointHosts: options.publicHosts.length > 0 ? options.publicHosts : [os.hostname()],
    timing: options.directoryTiming,
    logger: logger.child({ component: 'directory' }),
    box,
    ...(s.location.kind === 'sqlite' ? { flushDatabase: () => checkpointSqlite(db) } : {}),
  });
  late.directory = directory;
  const hierarchy = new HierarchyService({
    siteCode,
    db,
    repo: new HierarchyRepository(db),
    sites: repos.sites,
    ports,
    audit,
    events,
    tokens: new PeerTokens(options.dataDir),
    apiTokens: s.tokens,
    change: (code, change, actor) => s.rollouts.change(code, change, actor),
    ...(s.parentLink === undefined ? {} : { parentLink: () => s.parentLink!.view() }),
  });
  const bridge = cluster.bridge;
  const gatewaySettings = new GatewaySettings({
    db,
    audit,
    events,
    portsVersion: async (code) => (await ports.stored(code)).version,
  });
  const gateway = {
    settings: gatewaySettings,
    site: new GatewaySite({
      db,
      settings: gatewaySettings,
      ports,
      clients: s.clients,
      audit,
      managementPoints: () => cluster.managementPoints(),
      caCertificate: s.caCertificate,
      fallbackHost: mpHost(options),
      loadCa: () => loadSiteCa(options.dataDir, siteCode),
    }),
  };
  const routes = siteRoutes({
    reachability: parts.reachability,
    siteCode,
    gateway,
    upgrades: parts.upgrades,
    site,
    registration,
    rollouts: s.rollouts,
    windows: s.maintenanceWindows,
    push,
    directory,
    hierarchy,
    adminUrl: () => late.adminUrl ?? '',
    web: s.web,
    firewall: new FirewallService({ ports, web: repos.web }),
    notify: notify.service,
    cluster,
    accounts: s.accounts,
    users: new ConsoleUserAdmin({ db, users: s.users, audit }),
    tokens: s.tokens,
    certificates: new CertificateService({
      siteCode,
      db,
      audit,
      served: certificate,
      names: { required: s.clientNames, optional: siteCertificateNames(options.publicHosts) },
      ...(bridge === undefined ? {} : { renewOthers: () => bridge.publish({ kind: 'certificates-renew' }) }),
    }),
  });
  const hosts = new HostAllowList([
    ...siteCertificateNames([...options.publicHosts, ...options.adminAllowHosts]),
    options.adminHost,
  ]);
  const admin = new AdminApi({
    routes,
    tokens: s.tokens,
    logger: logger.child({ component: 'admin' }),
    tls: certificate.siteIssued,
    accounts: s.accounts,
    consoleDir: DEFAULT_CONSOLE_DIR,
    hosts,
    throttle: s.throttle,
  });
  certificate.onChange((issued) => admin.setTls(issued), 'site');
  let bound: { url: string; port: number } | undefined;
  const parentLink = s.parentLink;
  const components: Component[] = [
    { name: 'push', start: () => push.start(), stop: () => push.stop() },
    { name: 'rollout progress', start: () => s.rollouts.start(), stop: () => s.rollouts.stop() },
    { name: 'retention', start: () => retention.start(), stop: () => retention.stop() },
    {
      name: 'directory publishing',
      start: async () => {
        await directory.sealPlainPasswords();
        directory.start();
      },
      stop: () => directory.stop(),
    },
    {
      name: 'admin API',
      start: async () => {
        const limits = adminListenerLimits(options.connections, logger.child({ component: 'connections' }));
        bound = await admin.listen(options.adminHost, options.adminPort, limits);
        late.adminUrl = bound.url;
      },
      stop: () => admin.close(),
    },
    // Stopped before the admin API closes: the primary's sync long polls end at once.
    { name: 'hierarchy waiters', start: () => undefined, stop: () => hierarchy.releaseWaiters() },
    ...(parentLink === undefined
      ? []
      : [{ name: 'parent link', start: () => parentLink.start(), stop: () => parentLink.stop() }]),
  ];
  return {
    components,
    directory,
    routes,
    info: () => ({
      adminUrl: bound?.url ?? '',
      adminPort: bound?.port ?? 0,
      adminTokenFile: path.join(options.dataDir, ADMIN_TOKEN_FILE),
      consoleUrl: `${bound?.url ?? ''}/console/`,
      consolePasswordFile: path.join(options.dataDir, INITIAL_PASSWORD_FILE),
    }),
  };
}
