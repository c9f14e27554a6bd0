import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import type { ActivityRecorder, AnswerSealer, RequestVerifier } from '../mp/index.js';
import type { EndpointHandler, ListenerLimits } from '../net/index.js';
import { type ClientRepository, type ClientService, InterfaceRepository } from '../clients/index.js';
import type { PortSettingsService, RolloutRepository } from '../ports/index.js';
import type { SiteEvents } from '../site/index.js';
import { NotificationHub } from './notification-hub.js';
import { NotificationListener, type NotifyLiveness } from './notification-listener.js';
import { withNotifyEndpoints } from './notify-endpoints.js';
import { NotifyService } from './notify-service.js';
import type { RemoteNotify } from './remote-notify.js';
import { WakeService } from './wake-service.js';

/** The notification channel, its long-poll fallback and Wake-on-LAN, wired for one site server. */
export interface NotifyParts {
  hub: NotificationHub;
  service: NotifyService;
  /** The MP handler with the poll and inventory endpoints in front. */
  handler: EndpointHandler;
  /** Opens the TLS notification port; call after the MP started. */
  start: () => Promise<void>;
  stop: () => Promise<void>;
  /** Serves a new certificate on the notification port without dropping sessions (decision 0101). */
  setTls: (tls: { cert: string; key: string }) => void;
}

/** Builds the notification parts from what the site server already has. */
export function createNotifyParts(deps: {
  db: Kysely<SiteDatabase>;
  siteCode: string;
  /** The `--bind` addresses; every listener opens on each. */
  bindHosts: readonly string[];
  tls: { cert: string; key: string };
  mpHandler: EndpointHandler;
  clients: ClientService;
  clientRepo: ClientRepository;
  /** The MP process's verifier (with its client sessions), shared with the MP handler. */
  verifier: RequestVerifier;
  /** The MP process's answer authentication, shared with the MP handler. */
  answers: AnswerSealer;
  activity: ActivityRecorder;
  ports: PortSettingsService;
  events: SiteEvents;
  rollouts: RolloutRepository;
  httpsOnly: () => boolean;
  keepAliveSeconds: number;
  /** How dead notification connections are found. @default 'ping' */
  liveness?: NotifyLiveness;
  offlineAfterSeconds: number;
  /** TLS handshake timeout and connection gate of the notification port. */
  connectionLimits: Pick<ListenerLimits, 'gate' | 'handshakeTimeoutMs'>;
  logger: Logger;
  /** The other MP processes of the site, when there are several (PostgreSQL). */
  remote?: () => RemoteNotify | undefined;
}): NotifyParts {
  const hub = new NotificationHub({ offlineAfterMs: deps.offlineAfterSeconds * 1000, logger: deps.logger });
  const interfaces = new InterfaceRepository(deps.db);
  const listener = new NotificationListener({
    siteCode: deps.siteCode,
    bindHost: deps.bindHosts,
    tls: deps.tls,
    hub,
    clients: deps.clients,
    keepAliveSeconds: deps.keepAliveSeconds,
    ...(deps.liveness === undefined ? {} : { liveness: deps.liveness }),
    authTimeoutMs: 10_000,
    wantedPorts: async () => {
      const current = (await deps.ports.stored(deps.siteCode)).settings.notification;
      // While a rollout moves the notification port, the side that is not current stays open too.
      const others = (await deps.rollouts.open(deps.siteCode)).map((r) =>
        r.state === 'overlapping'
          ? r.old.settings.notification
          : r.state === 'rolling-back'
            ? r.next.settings.notification
            : current,
      );
      return [...new Set([current, ...others])];
    },
    events: deps.events,
    logger: deps.logger,
    connectionLimits: deps.connectionLimits,
  });
  let notificationPort = 0;
  const handler = withNotifyEndpoints(deps.mpHandler, {
    hub,
    verifier: deps.verifier,
    answers: deps.answers,
    activity: deps.activity,
    interfaces,
    httpsOnly: deps.httpsOnly,
    notificationPort: () => listener.port ?? notificationPort,
    keepAliveSeconds: deps.keepAliveSeconds,
    logger: deps.logger,
  });
  const wake = new WakeService({
    siteCode: deps.siteCode,
    hub,
    clients: deps.clientRepo,
    interfaces,
    ports: deps.ports,
    proxyWaitMs: 10_000,
    logger: deps.logger.child({ component: 'wake' }),
    ...(deps.remote === undefined ? {} : { remote: deps.remote }),
  });
  const service = new NotifyService({
    siteCode: deps.siteCode,
    hub,
    listener: () => listener,
    clients: deps.clientRepo,
    wake,
    offlineAfterSeconds: deps.offlineAfterSeconds,
    ...(deps.remote === undefined ? {} : { remote: deps.remote }),
  });
  return {
    hub,
    service,
    handler,
    start: async () => {
      notificationPort = (await deps.ports.stored(deps.siteCode)).settings.notification;
      await listener.start();
    },
    stop: async () => {
      hub.closeAll('the server is stopping');
      await listener.stop();
    },
    setTls: (tls) => listener.setTls(tls),
  };
}
