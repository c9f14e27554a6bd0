import type { PortPlanItem } from '@siteport/protocol';
import type { PortSettingsService } from '../ports/index.js';
import type { SitePorts } from './reachability-service.js';

/** The request and notification ports the site uses now (from the stored settings, which are held in memory once read). */
export function inUsePortsFrom(ports: PortSettingsService): (siteCode: string) => Promise<ReadonlySet<number>> {
  return async (siteCode) => {
    const { http, https, notification } = (await ports.stored(siteCode)).settings;
    return new Set([http.default, https.default, notification, http.alternate ?? 0, https.alternate ?? 0]);
  };
}

/** The ports the map has columns for, read from the site's stored and served ports. */
export function sitePortsFrom(ports: PortSettingsService): (siteCode: string) => Promise<SitePorts> {
  return async (siteCode) => {
    const stored = await ports.stored(siteCode);
    const { settings } = stored;
    const inUse: { port: number; item: PortPlanItem }[] = [
      { port: settings.http.default, item: 'http' },
      { port: settings.https.default, item: 'https' },
      { port: settings.notification, item: 'notification' },
    ];
    if (settings.http.alternate !== null) inUse.push({ port: settings.http.alternate, item: 'httpAlternate' });
    if (settings.https.alternate !== null) inUse.push({ port: settings.https.alternate, item: 'httpsAlternate' });
    const served = await ports.served(siteCode, stored);
    const used = new Set(inUse.map((p) => p.port));
    return {
      inUse,
      probing: served.filter((e) => e.role === 'probe').map((e) => e.port),
      overlap: served.filter((e) => e.role === 'overlap' && !used.has(e.port)).map((e) => e.port),
    };
  };
}
