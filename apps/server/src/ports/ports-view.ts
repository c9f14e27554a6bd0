import type { PortsView } from '@siteport/protocol';
import type { StoredPorts } from '../site/index.js';

/** The admin API's view of a site's ports (the JSON keys of `siteport ports show --json`). */
export function portsView(
  stored: StoredPorts,
  overlaps: readonly { protocol: 'http' | 'https'; port: number; until: string }[],
): PortsView {
  const { settings } = stored;
  return {
    siteCode: stored.siteCode,
    http: { ...settings.http },
    https: { ...settings.https },
    notification: settings.notification,
    wake: settings.wake,
    customWebSite: settings.customWebSite,
    communicationMode: stored.communicationMode,
    descriptions: { ...settings.descriptions },
    version: stored.version,
    updatedAt: stored.updatedAt,
    overlap: overlaps.map((o) => ({ protocol: o.protocol, port: o.port, until: o.until })),
  };
}
