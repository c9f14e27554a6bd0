import { EventEmitter } from 'node:events';
import diagnostics from 'node:diagnostics_channel';

/** Events inside one site server process. */
export interface SiteEventMap {
  'ports-changed': [siteCode: string, version: number];
  'client-registered': [siteCode: string, clientId: string, keyFingerprint: string];
  /** The default web site's applications or bindings changed: MP listeners follow. */
  'web-changed': [siteCode: string];
}

const portsChannel = diagnostics.channel('siteport:server:ports-changed');
const registeredChannel = diagnostics.channel('siteport:server:client-registered');

/**
 * In-process bus: services publish, the MP and caches subscribe. With several MP processes on
 * PostgreSQL, `relaySiteEvents` carries these events to and from the other processes.
 */
export class SiteEvents extends EventEmitter<SiteEventMap> {
  portsChanged(siteCode: string, version: number): void {
    portsChannel.publish({ siteCode, version });
    this.emit('ports-changed', siteCode, version);
  }

  /** A client registered (or re-registered with a known key) at one of this server's MPs. */
  clientRegistered(siteCode: string, clientId: string, keyFingerprint: string): void {
    registeredChannel.publish({ siteCode, clientId, keyFingerprint });
    this.emit('client-registered', siteCode, clientId, keyFingerprint);
  }

  webChanged(siteCode: string): void {
    this.emit('web-changed', siteCode);
  }
}
