import { type ChangeWarning, type PortSettings, SiteportError, requestEndpoints } from '@siteport/protocol';
import { type DefaultWebSitePorts, SEED_DEFAULT_WEB_SITE } from './web-site-repository.js';

/** What a port change does to the default web site. */
export interface WebSitePlan {
  /** The default web site's own ports to store with the change (undefined: leave the stored row). */
  store: DefaultWebSitePorts | undefined;
  warnings: ChangeWarning[];
}

const describe = (http: number, https: number): string => `HTTP ${http} and HTTPS ${https}`;
const requestText = (s: PortSettings): string =>
  requestEndpoints(s)
    .map((e) => `${e.protocol.toUpperCase()} ${e.port}`)
    .join(', ');
const sameRequestPorts = (a: PortSettings, b: PortSettings): boolean => requestText(a) === requestText(b);

/** Where the default web site is while the MP is on SMSWeb: the stored ports or the default 80/443. */
export function defaultWebSiteOf(stored: DefaultWebSitePorts | undefined): DefaultWebSitePorts {
  return stored ?? { ...SEED_DEFAULT_WEB_SITE };
}

/**
 * Refuses settings where SMSWeb (the request ports) or the notification port would share a port
 * with the default web site, which keeps its own ports while the MP is on SMSWeb.
 */
export function checkWebSitePorts(after: PortSettings, site: DefaultWebSitePorts, apps: readonly string[]): void {
  if (site.http === site.https) {
    throw new SiteportError(
      'E_PORT_CONFLICT',
      `the default web site cannot use port ${site.http} for both HTTP and HTTPS`,
      {
        details: { port: site.http },
      },
    );
  }
  const taken = [
    ...requestEndpoints(after).map((e) => ({
      item: e.role === 'default' ? e.protocol : `${e.protocol}-alternate`,
      port: e.port,
    })),
    { item: 'notification', port: after.notification },
  ];
  for (const { item, port } of taken) {
    if (port !== site.http && port !== site.https) continue;
    throw new SiteportError(
      'E_PORT_CONFLICT',
      `${item} port ${port} is a port of the default web site, which stays on ${describe(site.http, site.https)} with ${appList(apps)} ` +
        'while the management point is on the custom web site SMSWeb; give SMSWeb other request ports in the same change (e.g. http=8080 https=8443) ' +
        'or move the default web site first (PATCH /api/v1/sites/{code}/web-sites/default)',
      { details: { item, port, defaultWebSite: site } },
    );
  }
}

function appList(apps: readonly string[]): string {
  return apps.length === 0 ? 'no other applications' : `its applications (${apps.join(', ')})`;
}

/**
 * Plans the default web site's side of a port change: which ports it keeps or moves
 * to, and warnings that name the applications that move with it.
 */
export function planWebSiteChange(
  before: PortSettings,
  after: PortSettings,
  stored: DefaultWebSitePorts | undefined,
  apps: readonly string[],
): WebSitePlan {
  const warnings: ChangeWarning[] = [];
  if (!before.customWebSite && !after.customWebSite) {
    if (!sameRequestPorts(before, after) && apps.length > 0) {
      warnings.push({
        code: 'W_WEB_APPS_MOVE',
        message:
          `The management point is hosted on the default web site, so the default web site moves from ${requestText(before)} to ${requestText(after)}; ` +
          `these applications move with it and may break for their users: ${apps.join(', ')}. Use custom-web-site=true to keep them where they are.`,
        applications: [...apps],
      });
    }
    return { store: undefined, warnings };
  }
  if (!before.customWebSite && after.customWebSite) {
    const kept = { http: before.http.default, https: before.https.default };
    checkWebSitePorts(after, kept, apps);
    warnings.push({
      code: 'W_MP_TO_SMSWEB',
      message:
        `The management point moves to the custom web site SMSWeb on ${requestText(after)}; the default web site stays on ${describe(kept.http, kept.https)} ` +
        `with ${appList(apps)}.`,
      applications: [...apps],
    });
    return { store: kept, warnings };
  }
  const site = defaultWebSiteOf(stored);
  if (before.customWebSite && after.customWebSite) {
    checkWebSitePorts(after, site, apps);
    return { store: stored === undefined ? site : undefined, warnings };
  }
  if (apps.length > 0 || !sameRequestPorts(before, after)) {
    warnings.push({
      code: 'W_WEB_APPS_MOVE',
      message:
        `The management point moves back to the default web site, which moves from ${describe(site.http, site.https)} to the request ports ${requestText(after)}; ` +
        `these applications move with it and may break for their users: ${apps.length === 0 ? '(none)' : apps.join(', ')}.`,
      applications: [...apps],
    });
  }
  return { store: undefined, warnings };
}
