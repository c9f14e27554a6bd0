import type { Kysely, SiteDatabase } from '@siteport/db';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CaResponse } from '@siteport/protocol';
import { clientListenerLimits, type EndpointHandler } from './net/index.js';
import { gatewayAddress } from './gateway/index.js';
import { createNotifyParts, type NotifyLiveness, type NotifyParts, type RemoteNotify } from './notify/index.js';
import type { ClientRepository, ClientService } from './clients/index.js';
import { type PortSettingsService, PreflightProbes, type RolloutRepository } from './ports/index.js';
import { type ReachabilityService, createReachability } from './reachability/index.js';
import { AuditRepository, type SiteEvents, type SiteRepository } from './site/index.js';
import { UpgradeHint, UpgradeService } from './upgrade/index.js';
import type { ConnectionOptions } from './server-options.js';
import { WebApplications, WebHost, type WebSiteRepository } from './web/index.js';
import { CollectionRepository, WindowGate } from './windows/index.js';
import {
  ActivityRecorder,
  AnswerSealer,
  type AnswerSigner,
  ClientReportLimit,
  ClientSessions,
  createMpHandler,
  ManagementPoint,
  MpEpoch,
  NonceCache,
  PolicyCache,
  RequestVerifier,
  SourceRateLimit,
} from './mp/index.js';

/** What the management point part of a process needs from the process around it. */
export interface MpWiringDeps {
  db: Kysely<SiteDatabase>;
  siteCode: string;
  /** The `--bind` addresses; every listener opens on each. */
  bindHosts: readonly string[];
  /** The MP certificate chain and key, and the site CA clients pin. */
  tls: { cert: string; key: string };
  caCertificate: string;
  caFingerprint: string;
  /** Signs answers to signed client requests: the site CA's key, or the MP's own certificate (decisions 0092, 0101). */
  signer: AnswerSigner;
  /** Further TLS trust anchors `GET /mp/v1/ca` names, signed by the site CA (decision 0101). */
  caTrust?: () => CaResponse['trust'];
  /**
   * Whether an MP process of this site may have served clients before this one started (false only
   * for the start that created the site): signed requests not bound to this process's epoch are then
   * held back for the signature window (decision 0092).
   */
  restarted: boolean;
  sites: SiteRepository;
  ports: PortSettingsService;
  rollouts: RolloutRepository;
  clientRepo: ClientRepository;
  clients: ClientService;
  events: SiteEvents;
  webRepo: WebSiteRepository;
  /** MP host names policy announces (with several MP processes: every live one). */
  managementPoints: () => readonly string[];
  notifyKeepAliveSeconds: number;
  notifyLiveness: NotifyLiveness;
  notifyOfflineSeconds: number;
  /** Timeouts and caps of the request and notification listeners (decision 0091). */
  connections: ConnectionOptions;
  /** Per-source limits of this MP process, per minute (0: none; decision 0095). */
  sourceLimits: { registrationsPerMinute: number; sessionsPerMinute: number };
  /** Notification across MP processes, when there are several. */
  remote?: () => RemoteNotify | undefined;
  /** Sees every client request with its response (the ops metrics count them); none without an ops listener. */
  observe?: (req: IncomingMessage, res: ServerResponse) => void;
  logger: Logger;
}

/** The management point of one process: listeners, client request handling, policy, activity, notification. */
export interface MpParts {
  mp: ManagementPoint;
  activity: ActivityRecorder;
  policy: PolicyCache;
  notify: NotifyParts;
  probes: PreflightProbes;
  /** The reachability map (decision 0109); the admin API of the site server uses the same object. */
  reachability: ReachabilityService;
  /** Agent upgrades of the site (decision 0111); the admin API of the site server uses the same object. */
  upgrades: UpgradeService;
  /** Stops the timers this wiring started (the caller stops mp, notify and activity in its own order). */
  dispose: () => void;
  /**
   * Serves a new certificate on the HTTPS and notification listeners without closing them; with
   * `signer`, answers to signed requests are signed with it from now on (decision 0101).
   */
  setTls: (tls: { cert: string; key: string }, signer?: AnswerSigner) => void;
}

/**
 * Wires a management point: shared by the site server, whose MP runs beside the site
 * services, and by additional MP processes (`siteport server --role mp`), which run only this.
 */
export async function createMpParts(deps: MpWiringDeps): Promise<MpParts> {
  const { siteCode, ports, events, logger } = deps;
  const activity = new ActivityRecorder(deps.clientRepo, logger.child({ component: 'activity' }));
  const probes = new PreflightProbes({
    siteCode,
    rollouts: deps.rollouts,
    ports,
    map: (probed) => reachability.knownFor(siteCode, probed),
  });
  // A settings change reaches every MP process of the site (over the event bridge), each rebuilding its policy.
  const reachability = createReachability({
    db: deps.db,
    ports,
    onSettingsChanged: () => events.reachabilityChanged(siteCode),
  });
  const reachabilityChanged = (code: string): void => {
    if (code === siteCode) policy.invalidate();
  };
  events.on('reachability-changed', reachabilityChanged);
  // Who a window-respecting rollout keeps on the old ports (decision 0114), recomputed off the request path.
  const windows = new WindowGate({
    siteCode,
    openRollouts: () => deps.rollouts.open(siteCode),
    repo: new CollectionRepository(deps.db),
    onChange: () => policy.invalidate(),
    logger: logger.child({ component: 'windows' }),
  });
  windows.start();
  const policy = new PolicyCache({
    siteCode,
    ports,
    sites: deps.sites,
    managementPoints: deps.managementPoints,
    probe: () => probes.policyProbe(),
    reachability: () => reachability.policy(siteCode),
    gateway: () => gatewayAddress(deps.db, siteCode),
    agentUpgrade: () => upgradeHint.value,
    windows,
  });
  const upgradeHint = new UpgradeHint({
    read: () => upgrades.announced(siteCode),
    onChange: () => policy.invalidate(),
    onError: (error) => logger.warn({ err: error }, 'cannot read the agent upgrade policy announces'),
  });
  const upgrades = new UpgradeService({
    db: deps.db,
    audit: new AuditRepository(deps.db),
    onChanged: () => void upgradeHint.refresh(),
  });
  await upgradeHint.start();
  let httpsOnly = false;
  const readMode = (): Promise<void> =>
    ports.stored(siteCode).then((s) => void (httpsOnly = s.communicationMode === 'https-only'));
  await readMode();
  const unsettle = events.settlePortsChange(async () => {
    policy.invalidate();
    await readMode();
  });
  const limits = clientListenerLimits(deps.connections, logger.child({ component: 'connections' }));
  const nonces = new NonceCache();
  // One session store per MP process, for every client endpoint (decision 0062).
  const sessions = new ClientSessions({ nonces });
  const epoch = new MpEpoch({ restarted: deps.restarted });
  const verifier = new RequestVerifier(deps.clients, nonces, sessions, epoch);
  const answers = new AnswerSealer({ signer: deps.signer, epoch });
  const prune = setInterval(() => {
    nonces.prune();
    sessions.prune();
  }, 60_000);
  prune.unref();

  const handler = createMpHandler({
    siteCode,
    caCertificate: deps.caCertificate,
    caFingerprint: deps.caFingerprint,
    ...(deps.caTrust === undefined ? {} : { caTrust: deps.caTrust }),
    clients: deps.clients,
    verifier,
    answers,
    policy,
    activity,
    httpsOnly: () => httpsOnly,
    recordProbe: async (clientId, report, address) => {
      await probes.record(clientId, report);
      // What a pre-flight found is also what the reachability map knows of those ports (decision 0109).
      await reachability.recordPreflight(siteCode, clientId, address, report);
    },
    recordReachability: (clientId, address, report, admit) =>
      reachability.record(siteCode, clientId, address, report, admit),
    logger: logger.child({ component: 'mp' }),
    upgrades: {
      offer: (clientId) => upgrades.offerFor(siteCode, clientId),
      part: (clientId, version, part) => upgrades.packagePart(siteCode, clientId, version, part),
      report: (clientId, report) => upgrades.report(siteCode, clientId, report),
    },
    onRegistered: (c) => events.clientRegistered(c.siteCode, c.id, c.keyFingerprint),
    onActivated: (c) => events.clientStatusChanged(c.siteCode, c.id, 'active'),
    limits: {
      registrations: new SourceRateLimit({
        what: 'registrations',
        perMinute: deps.sourceLimits.registrationsPerMinute,
      }),
      sessions: new SourceRateLimit({
        what: 'client session openings',
        perMinute: deps.sourceLimits.sessionsPerMinute,
      }),
      reachability: new ClientReportLimit({ what: 'reachability reports' }),
    },
  });
  const notify = createNotifyParts({
    db: deps.db,
    siteCode,
    bindHosts: deps.bindHosts,
    tls: deps.tls,
    mpHandler: handler,
    clients: deps.clients,
    clientRepo: deps.clientRepo,
    verifier,
    answers,
    activity,
    ports,
    events,
    rollouts: deps.rollouts,
    httpsOnly: () => httpsOnly,
    keepAliveSeconds: deps.notifyKeepAliveSeconds,
    liveness: deps.notifyLiveness,
    offlineAfterSeconds: deps.notifyOfflineSeconds,
    connectionLimits: limits.notification,
    logger: logger.child({ component: 'notify' }),
    ...(deps.remote === undefined ? {} : { remote: deps.remote }),
  });
  // An administrator approved, blocked, unblocked or retired a client (here or in another process,
  // through the event bridge): forget its cached status; a client no longer served loses its
  // session and its notification channel at once (decision 0095).
  const statusChanged = (_site: string, clientId: string, status: string): void => {
    deps.clients.forget(clientId);
    if (status === 'active') return;
    sessions.forget(clientId);
    notify.hub.disconnect(clientId, `the client is ${status}`);
  };
  events.on('client-status-changed', statusChanged);
  const apps = new WebApplications({
    siteCode,
    caCertificate: deps.caCertificate,
    caFingerprint: deps.caFingerprint,
    sites: deps.sites,
  });
  const served = (code: string): ReturnType<PortSettingsService['served']> => ports.served(code);
  const webHost = new WebHost({
    siteCode,
    stored: (code) => ports.stored(code),
    served,
    repo: deps.webRepo,
    apps,
    mp: notify.handler,
    logger: logger.child({ component: 'web' }),
  });
  const mp = new ManagementPoint({
    siteCode,
    bindHosts: deps.bindHosts,
    tls: deps.tls,
    handler: observed(webHost.handler, deps.observe),
    extraEndpoints: () => webHost.refresh(),
    ports,
    events,
    logger: logger.child({ component: 'mp' }),
    limits: limits.request,
  });
  return {
    mp,
    activity,
    policy,
    notify,
    probes,
    reachability,
    upgrades,
    setTls: (tls, signer) => {
      mp.setTls(tls);
      notify.setTls(tls);
      if (signer !== undefined) answers.setSigner(signer);
    },
    dispose: () => {
      clearInterval(prune);
      windows.stop();
      upgradeHint.stop();
      unsettle();
      events.off('client-status-changed', statusChanged);
      events.off('reachability-changed', reachabilityChanged);
    },
  };
}

/** A listener handler that first shows each request to `observe` (when there is one). */
function observed(handler: EndpointHandler, observe: MpWiringDeps['observe']): EndpointHandler {
  if (observe === undefined) return handler;
  return (req, res, protocol, port, mode) => {
    observe(req, res);
    handler(req, res, protocol, port, mode);
  };
}
