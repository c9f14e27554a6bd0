/** The six port items of a site's Ports tab, by the names the CLI and API use. */
export const PORT_ITEMS = ['http', 'http-alternate', 'https', 'https-alternate', 'notification', 'wake'] as const;
export type PortItem = (typeof PORT_ITEMS)[number];

/** How clients may talk to the site's management points. */
export const COMMUNICATION_MODES = ['https-or-http', 'https-only'] as const;
export type CommunicationMode = (typeof COMMUNICATION_MODES)[number];

/** A request port pair: the default port and an optional alternate tried when the default fails. */
export interface RequestPorts {
  default: number;
  alternate: number | null;
}

/** The request, notification and wake-up ports of a site. */
export interface PortSettings {
  http: RequestPorts;
  https: RequestPorts;
  /** TCP port of the persistent notification channel. */
  notification: number;
  /** UDP port that Wake-on-LAN magic packets are sent to. */
  wake: number;
  /** Host the MP on the dedicated `SMSWeb` web site instead of the default web site. */
  customWebSite: boolean;
  /** Free-text description of each item. */
  descriptions: Record<PortItem, string>;
}

/** The defaults: HTTP 80, HTTPS 443, notification TCP 10123, wake-up UDP 9. */
export const DEFAULT_PORTS = Object.freeze({
  http: 80,
  https: 443,
  notification: 10123,
  wake: 9,
});

export const DEFAULT_DESCRIPTIONS: Readonly<Record<PortItem, string>> = Object.freeze({
  http: 'Client request HTTP port',
  'http-alternate': 'Client request HTTP alternate port',
  https: 'Client request HTTPS port',
  'https-alternate': 'Client request HTTPS alternate port',
  notification: 'Client notification port (TCP)',
  wake: 'Wake-up packet port (UDP)',
});

/** A fresh site's port settings: the defaults and no alternates. */
export function defaultPortSettings(): PortSettings {
  return {
    http: { default: DEFAULT_PORTS.http, alternate: null },
    https: { default: DEFAULT_PORTS.https, alternate: null },
    notification: DEFAULT_PORTS.notification,
    wake: DEFAULT_PORTS.wake,
    customWebSite: false,
    descriptions: { ...DEFAULT_DESCRIPTIONS },
  };
}

/** The port number of one item, or null for an alternate that is not set. */
export function portOfItem(settings: PortSettings, item: PortItem): number | null {
  switch (item) {
    case 'http':
      return settings.http.default;
    case 'http-alternate':
      return settings.http.alternate;
    case 'https':
      return settings.https.default;
    case 'https-alternate':
      return settings.https.alternate;
    case 'notification':
      return settings.notification;
    case 'wake':
      return settings.wake;
  }
}

/** Whether an item is a TCP port (all are, except the UDP wake-up port). */
export function isTcpItem(item: PortItem): boolean {
  return item !== 'wake';
}

/** One listener a management point opens for client requests. */
export interface RequestEndpoint {
  protocol: 'http' | 'https';
  port: number;
  role: 'default' | 'alternate';
}

/** The request endpoints of a site, default before alternate, HTTPS before HTTP. */
export function requestEndpoints(settings: Pick<PortSettings, 'http' | 'https'>): RequestEndpoint[] {
  const list: RequestEndpoint[] = [];
  for (const protocol of ['https', 'http'] as const) {
    const pair = settings[protocol];
    list.push({ protocol, port: pair.default, role: 'default' });
    if (pair.alternate !== null) list.push({ protocol, port: pair.alternate, role: 'alternate' });
  }
  return list;
}
