import type { Logger } from 'pino';
import type { SwitchPortsPayload } from '@siteport/protocol';
import type { ResolvedAgentOptions } from '../agent-options.js';
import type { LastContact } from '../agent-status.js';
import type { ClientConfig } from '../client-config.js';
import { endpointList } from '../endpoint-list.js';
import type { IdentityKey } from '../identity-key.js';
import { MpTransport } from '../mp-transport.js';
import type { SessionKeeper } from '../session/session-keeper.js';
import { createActionHandler } from './agent-actions.js';
import { NotificationClient } from './notification-client.js';

/** What the agent lends its notification client: its state, read when needed, and its hooks. */
export interface AgentNotifierDeps {
  options: ResolvedAgentOptions;
  logger: Logger;
  config: () => ClientConfig;
  /** The registered client id, null before registration (and before client.json is loaded). */
  clientId: () => string | null;
  key: () => IdentityKey;
  caPem: () => string | undefined;
  /** The agent's client sessions: the long-poll uses the same ones as the check-in cycle. */
  sessions: SessionKeeper;
  onContact: (contact: LastContact) => void;
  /** Runs a heartbeat + policy cycle now (the `policy` and `heartbeat` actions). */
  cycleNow: () => Promise<void>;
  /** Sends the inventory now, even when unchanged. */
  sendInventory: () => Promise<void>;
  /** Saves new request ports to client.json (the `switch-ports` action). */
  saveRequestPorts: (ports: ClientConfig['ports']) => void;
}

/**
 * The agent's notification client: TCP channel to the first MP that accepts it, long-poll over
 * its own request transport (so a long wait never holds up a check-in), and the agent's answers to
 * the actions the site pushes.
 */
export function createAgentNotifier(deps: AgentNotifierDeps): NotificationClient {
  const { options, logger } = deps;
  const transport = new MpTransport({
    config: deps.config,
    caPem: deps.caPem,
    timeoutMs: options.requestTimeoutMs,
    retryDefaultAfterMs: options.retryDefaultAfterMs,
    onContact: deps.onContact,
    logger: logger.child({ component: 'notify-transport' }),
  });
  const notifier: NotificationClient = new NotificationClient({
    hosts: () => endpointList(deps.config()).map((e) => e.host),
    clientId: deps.clientId,
    siteCode: () => deps.config().siteCode,
    key: deps.key,
    caPem: deps.caPem,
    transport,
    sessions: deps.sessions,
    retryTcpMs: options.notifyRetryTcpMs,
    pollWaitSeconds: options.notifyPollWaitSeconds,
    safePollWaitSeconds: options.notifySafePollWaitSeconds,
    reconnectBaseMs: options.notifyReconnectBaseMs,
    connectTimeoutMs: options.requestTimeoutMs,
    logger: logger.child({ component: 'notify' }),
    onAction: createActionHandler({
      cycleNow: deps.cycleNow,
      sendInventory: deps.sendInventory,
      switchPorts: (ports: SwitchPortsPayload) => {
        deps.saveRequestPorts({ http: ports.http, https: ports.https });
        if (ports.notification !== undefined) notifier.setPort(ports.notification);
      },
    }),
  });
  return notifier;
}
