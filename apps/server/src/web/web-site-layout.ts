import { type PortSettings, requestEndpoints } from '@siteport/protocol';
import type { EndpointSpec } from '../net/index.js';
import type { DefaultWebSitePorts } from './web-site-repository.js';

/** A web site binding. */
interface Binding {
  protocol: 'http' | 'https';
  port: number;
}

/** What one listener serves: the management point, the default web site's applications, or both. */
interface ListenerRoles {
  mp: boolean;
  web: boolean;
}

/** Where the site system's two web sites listen and which listener serves what. */
export interface WebSiteLayout {
  customWebSite: boolean;
  /** Bindings of the default web site (its applications are served there). */
  defaultWebSite: Binding[];
  /** Bindings of the custom web site SMSWeb, or null while the MP is on the default web site. */
  smsWeb: Binding[] | null;
  /** Roles by listener key `protocol:port`. */
  roles: ReadonlyMap<string, ListenerRoles>;
  /** Default web site listeners the MP's listener set must hold besides the MP's own. */
  extraEndpoints: EndpointSpec[];
}

/** The listener key used by the layout and the listener set. */
export const bindingKey = (protocol: 'http' | 'https', port: number): string => `${protocol}:${port}`;

/**
 * Computes the layout: without the custom web site the MP is hosted on the default web
 * site, whose bindings are the request ports; with it the MP is on SMSWeb on the request ports and
 * the default web site keeps its own ports. Old ports still overlapping serve the MP only.
 */
export function webSiteLayout(
  settings: PortSettings,
  overlap: readonly { protocol: 'http' | 'https'; port: number }[],
  defaultWebSitePorts: DefaultWebSitePorts,
): WebSiteLayout {
  const request: Binding[] = requestEndpoints(settings).map((e) => ({ protocol: e.protocol, port: e.port }));
  const web: Binding[] = settings.customWebSite
    ? [
        { protocol: 'http', port: defaultWebSitePorts.http },
        { protocol: 'https', port: defaultWebSitePorts.https },
      ]
    : request;
  const roles = new Map<string, ListenerRoles>();
  const role = (b: Binding): ListenerRoles => {
    const k = bindingKey(b.protocol, b.port);
    const existing = roles.get(k) ?? { mp: false, web: false };
    roles.set(k, existing);
    return existing;
  };
  for (const b of [...request, ...overlap]) role(b).mp = true;
  for (const b of web) role(b).web = true;
  const extraEndpoints = web
    .filter((b) => roles.get(bindingKey(b.protocol, b.port))?.mp !== true)
    .map((b) => ({
      protocol: b.protocol,
      port: b.port,
      item: `default web site ${b.protocol}`,
      mode: 'serve' as const,
    }));
  return {
    customWebSite: settings.customWebSite,
    defaultWebSite: web,
    smsWeb: settings.customWebSite ? request : null,
    roles,
    extraEndpoints,
  };
}
