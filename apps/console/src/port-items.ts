import {
  type PortChange,
  type PortItem,
  type PortSettings,
  type PortsView,
  SiteportError,
  applyPortChange,
  checkDescription,
  parsePort,
  portOfItem,
} from '@siteport/protocol';

/** The rows of the Ports tab, in their fixed order; each row's name is `ports.items.<item>` in the catalogues. */
export const PORT_ROWS: { item: PortItem; optional: boolean }[] = [
  { item: 'http', optional: false },
  { item: 'http-alternate', optional: true },
  { item: 'https', optional: false },
  { item: 'https-alternate', optional: true },
  { item: 'notification', optional: false },
  { item: 'wake', optional: false },
];

/** Settings as the protocol's rules take them, from what the API shows. */
export function settingsOf(view: PortsView): PortSettings {
  return {
    http: view.http,
    https: view.https,
    notification: view.notification,
    wake: view.wake,
    customWebSite: view.customWebSite,
    descriptions: view.descriptions,
  };
}

/** The port of one item (the protocol's rule, so the console and the API agree). */
export const portOf = portOfItem;

/** Adds one item's port and description to a pending change. `null` removes an alternate. */
export function withItem(change: PortChange, item: PortItem, port: number | null, description: string): PortChange {
  const next: PortChange = { ...change, descriptions: { ...change.descriptions, [item]: description } };
  switch (item) {
    case 'http':
    case 'https':
      if (port !== null) next[item] = { ...change[item], default: port };
      break;
    case 'http-alternate':
      next.http = { ...change.http, alternate: port };
      break;
    case 'https-alternate':
      next.https = { ...change.https, alternate: port };
      break;
    case 'notification':
    case 'wake':
      if (port !== null) next[item] = port;
      break;
  }
  return next;
}

/**
 * Validates the Port Details dialog with the same rules the API applies (range, distinct TCP
 * items, description); returns the error for the dialog (shown in the console's language), or the accepted values.
 */
export function validateItem(
  saved: PortSettings,
  pending: PortChange,
  item: PortItem,
  portText: string,
  description: string,
  optional: boolean,
):
  | { ok: true; port: number | null; description: string; settings: PortSettings }
  | { ok: false; field: 'port' | 'description'; error: SiteportError } {
  try {
    const port = optional && portText.trim() === '' ? null : parsePort(item, portText.trim());
    const text = checkDescription(item, description);
    const change = withItem(pending, item, port, text);
    return { ok: true, port, description: text, settings: applyPortChange(saved, change) };
  } catch (error) {
    if (error instanceof SiteportError)
      return { ok: false, field: error.code === 'E_DESCRIPTION' ? 'description' : 'port', error };
    throw error;
  }
}

/** Whether a pending change moves the request ports (then it is a tracked rollout). */
export function movesRequestPorts(saved: PortSettings, next: PortSettings): boolean {
  return (
    saved.http.default !== next.http.default ||
    saved.http.alternate !== next.http.alternate ||
    saved.https.default !== next.https.default ||
    saved.https.alternate !== next.https.alternate ||
    saved.notification !== next.notification
  );
}
