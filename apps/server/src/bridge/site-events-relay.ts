import type { Logger } from 'pino';
import type { ClientStatus } from '@siteport/protocol';
import type { SiteEvents } from '../site/index.js';
import type { BridgeEvent, EventBridge } from './event-bridge.js';

/**
 * Connects this process's {@link SiteEvents} bus to the other processes of the site: what happens
 * here is published on the bridge, and what other processes publish is emitted here, so listeners,
 * policy caches and push registration waiters behave as if everything ran in one process.
 * Returns the function that disconnects them.
 */
export function relaySiteEvents(events: SiteEvents, bridge: EventBridge, logger: Logger): () => void {
  // Set while an event from another process is emitted here, so it is not published back.
  let inbound = false;
  const publish = (event: BridgeEvent): void => {
    if (inbound) return;
    bridge
      .publish(event)
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error), kind: event.kind },
          'a site event was not published to the other processes',
        ),
      );
  };
  const ports = (siteCode: string, version: number): void => publish({ kind: 'ports-changed', siteCode, version });
  const registered = (siteCode: string, clientId: string, keyFingerprint: string): void =>
    publish({ kind: 'client-registered', siteCode, clientId, keyFingerprint });
  const web = (siteCode: string): void => publish({ kind: 'web-changed', siteCode });
  const reachability = (siteCode: string): void => publish({ kind: 'reachability-changed', siteCode });
  const status = (siteCode: string, clientId: string, next: ClientStatus): void =>
    publish({ kind: 'client-status-changed', siteCode, clientId, status: next });
  events.on('ports-changed', ports);
  events.on('client-registered', registered);
  events.on('web-changed', web);
  events.on('reachability-changed', reachability);
  events.on('client-status-changed', status);
  const unsubscribe = bridge.subscribe(({ event }) => {
    inbound = true;
    try {
      switch (event.kind) {
        case 'ports-changed':
          // Emitted synchronously (so the outbound listener sees `inbound`); the settlers run on.
          events
            .portsChanged(event.siteCode, event.version)
            .catch((error: unknown) =>
              logger.error({ err: error }, 'a ports change from another process failed to settle'),
            );
          return;
        case 'client-registered':
          events.clientRegistered(event.siteCode, event.clientId, event.keyFingerprint);
          return;
        case 'web-changed':
          events.webChanged(event.siteCode);
          return;
        case 'reachability-changed':
          events.reachabilityChanged(event.siteCode);
          return;
        case 'client-status-changed':
          events.clientStatusChanged(event.siteCode, event.clientId, event.status);
          return;
        case 'notify-request':
        case 'notify-result':
        case 'presence':
        case 'presence-query':
        case 'bind-check':
        case 'bind-answer':
        case 'certificate-request':
        case 'certificate-issued':
        case 'certificates-renew':
          // Not site events: the notification, bind-check and certificate relays handle them.
          return;
      }
    } finally {
      inbound = false;
    }
  });
  return () => {
    unsubscribe();
    events.off('ports-changed', ports);
    events.off('client-registered', registered);
    events.off('web-changed', web);
    events.off('reachability-changed', reachability);
    events.off('client-status-changed', status);
  };
}
