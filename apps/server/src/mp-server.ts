import { databaseLocation, type Kysely, openDatabase, type SiteDatabase } from '@siteport/db';
import { type PortsView, SiteportError } from '@siteport/protocol';
import { SiteCluster } from './cluster/index.js';
import { inheritedOverlap } from './hierarchy/index.js';
import { type Logger, createLogger } from './logger.js';
import type { ListenerStatus } from './net/index.js';
import type { ManagementPoint } from './mp/index.js';
import { type MpParts, createMpParts } from './mp-wiring.js';
import { OpsListener, mpComponents, processMetrics, sharedMpInputs } from './mp-components.js';
import { openMpCertificate } from './pki/index.js';
import { AuditRepository, SiteEvents, SiteRepository } from './site/index.js';
import { ClientRepository, ClientService, RegistrationRepository } from './clients/index.js';
import { PortSettingsService, RolloutRepository } from './ports/index.js';
import { type ServerOptions, type ServerOptionsInput, mpHost, parseServerOptions } from './server-options.js';
import { bindAddressText, specificAddresses } from './bind-addresses.js';
import { WebSiteRepository } from './web/index.js';
import { type Component, type ServerState, ServerLifecycle } from './server-lifecycle.js';
import type { EventBridge } from './bridge/index.js';
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
 * An additional management point of a site (`siteport server --role mp`): the MP request
 * listeners, client request handling, policy, activity recording and the notification listener,
 * on the site's shared PostgreSQL database. The site server keeps the admin API, the console, the
 * rollout progress check, push, directory publishing and the hierarchy link; this process follows
 * its settings and rollouts through the event bridge and registers in the MP registry.
 */
export class MpServer {
  private constructor(
    readonly options: ServerOptions,
    readonly logger: Logger,
    private readonly lifecycle: ServerLifecycle,
    booted: MpBooted,
  ) {
    this.info = booted.info;
    this.db = booted.db;
    this.cluster = booted.cluster;
  }

  readonly info: MpServerInfo;
  readonly db: Kysely<SiteDatabase>;
  readonly cluster: SiteCluster;

  get state(): MpServerState {
    return this.lifecycle.state;
  }

  /** Starts an MP process; on failure everything opened so far is closed again and the error thrown. */
  static async start(input: ServerOptionsInput, logger?: Logger): Promise<MpServer> {
    const options = parseServerOptions({ ...input, role: 'mp' });
    const log = logger ?? createLogger(options.logLevel);
    const lifecycle = new ServerLifecycle(log);
    const booted = await lifecycle.boot(() => bootMp(options, log, lifecycle));
    return new MpServer(options, log, lifecycle, booted);
  }

  /** Stops accepting, lets requests in flight finish, flushes activity, marks the registry entry stopped. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}

/** What a booted MP process holds. */
interface MpBooted {
  info: MpServerInfo;
  db: Kysely<SiteDatabase>;
  cluster: SiteCluster;
}

async function bootMp(options: ServerOptions, rootLogger: Logger, lifecycle: ServerLifecycle): Promise<MpBooted> {
  const host = mpHost(options);
  const logger = rootLogger.child({ mp: host });
  const location = databaseLocation(options.dataDir, options.databaseUrl);
  if (location.kind !== 'postgres') throw new SiteportError('E_OPTION', '--role mp needs --db postgres://…');
  await secureDataDirAtStart(options.dataDir, [], logger);
  const db = await openDatabase(location);
  lifecycle.onStop('database', () => db.destroy());
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
    bindAddress: bindAddressText(options.bindHosts),
    publicHosts: options.publicHosts,
    timing: options.registryTiming,
    events,
    logger,
    onHostsChanged: () => parts.policy.invalidate(),
  });
  lifecycle.onStop('cluster', () => cluster.stop());
  const bridge = cluster.bridge;
  if (bridge === undefined) throw new SiteportError('E_OPTION', '--role mp needs --db postgres://…');
  // Its own key pair; the site server signs its certificate over the bridge and keeps the CA key (decision 0101).
  const pki = await openMpCertificate({
    dataDir: options.dataDir,
    host,
    hosts: [...new Set([host, ...options.publicHosts, ...specificAddresses(options.bindHosts)])],
    bridge,
    checkMs: options.mpCertificate.checkMs,
    logger: logger.child({ component: 'pki' }),
  });
  const certificate = pki.served;
  const signerOf = (tls: { cert: string; key: string }) => ({ mpKeyPem: tls.key, mpCertificatePem: tls.cert });
  const rollouts = new RolloutRepository(db);
  const clientRepo = new ClientRepository(db);
  const started: { mp?: ManagementPoint; parts?: MpParts } = {};
  const ports = new PortSettingsService({
    db,
    sites,
    rollouts,
    audit: new AuditRepository(db),
    events,
    // Settings change only on the site server; an MP process test-binds when it asks (cluster binder).
    binder: { checkBindable: (p) => started.mp?.checkBindable(p) ?? Promise.resolve() },
    ...(site?.parentCode == null ? {} : { extraServed: (code: string) => inheritedOverlap(db, code) }),
  });
  const { targets: opsTargets, metrics } = processMetrics({
    options,
    siteCode,
    role: 'mp',
    db,
    rollouts: rollouts,
    cluster,
    parts: () => started.parts,
    lifecycle,
  });
  const parts = await createMpParts({
    db,
    siteCode,
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
    ...sharedMpInputs(options, cluster, metrics, logger),
  });
  started.parts = parts;
  started.mp = parts.mp;
  lifecycle.onStop('MP timers', () => parts.dispose());
  certificate.onChange((served) => parts.setTls(served, signerOf(served)));
  const ops =
    metrics === undefined || options.opsPort === undefined
      ? undefined
      : new OpsListener(
          { opsHost: options.opsHost, opsPort: options.opsPort },
          metrics,
          opsTargets,
          logger.child({ component: 'ops' }),
        );
  await lifecycle.startAll([
    ...mpComponents({ parts, cluster, certificate, ops }),
    renewalRequests(bridge, certificate, logger),
  ]);
  logger.info({ siteCode, host, registryId: cluster.registry.id }, 'management point running');
  return {
    db,
    cluster,
    info: {
      siteCode,
      host,
      opsUrl: ops?.url,
      registryId: cluster.registry.id,
      caFingerprint: pki.caFingerprint,
      ports: await ports.view(siteCode),
      listeners: parts.mp.listenerStatus(),
    },
  };
}

/** `siteport cert renew` on the site server renews every MP process's certificate too. */
function renewalRequests(
  bridge: EventBridge,
  certificate: { renew(force: boolean): Promise<unknown> },
  logger: Logger,
): Component {
  let stopFollowing: () => void = () => undefined;
  return {
    name: 'certificate renewal requests',
    start: () => {
      stopFollowing = bridge.subscribe(({ event }) => {
        if (event.kind !== 'certificates-renew') return;
        certificate
          .renew(false)
          .catch((error: unknown) =>
            logger.error({ err: error }, 'cannot renew the management point certificate on request'),
          );
      });
    },
    stop: () => stopFollowing(),
  };
}

/** The site whose MP this process is: the one the database holds, or `--site-code` among several. */
async function siteOf(sites: SiteRepository, options: ServerOptions): Promise<string> {
  const codes = await sites.listCodes();
  if (codes.length === 0) {
    throw new SiteportError(
      'E_OPTION',
      'the database holds no site yet: start the site server (siteport server --db … without --role mp) first, then its additional MPs',
    );
  }
  if (options.siteCode === undefined) {
    if (codes.length > 1)
      throw new SiteportError(
        'E_OPTION',
        `the database holds sites ${codes.join(', ')}; name this MP's site with --site-code`,
      );
    return codes[0]!;
  }
  if (!codes.includes(options.siteCode)) {
    throw new SiteportError(
      'E_OPTION',
      `the database holds site ${codes.join(', ')}, not ${options.siteCode}; drop --site-code or point --db at that site's database`,
    );
  }
  return options.siteCode;
}
