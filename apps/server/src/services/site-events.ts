import { EventEmitter } from 'node:events';
import diagnostics from 'node:diagnostics_channel';

/** Events inside one site server process. */
export interface SiteEventMap {
  'ports-changed': [siteCode: string, version: number];
}

const portsChannel = diagnostics.channel('siteport:server:ports-changed');

/** In-process bus: services publish, the MP and caches subscribe. */
export class SiteEvents extends EventEmitter<SiteEventMap> {
  portsChanged(siteCode: string, version: number): void {
    portsChannel.publish({ siteCode, version });
    this.emit('ports-changed', siteCode, version);
  }
}
