import { SiteportError } from './siteport-error.js';
import { PORT_ITEMS, type PortItem, type PortSettings, isTcpItem, portOfItem } from './port-settings.js';

/** Lowest port that needs a privilege to bind on most systems. */
export const FIRST_UNPRIVILEGED_PORT = 1024;
export const MAX_DESCRIPTION_LENGTH = 256;

/**
 * Parses one port value as a user typed it (CLI, setup property, console field). Accepts a
 * number or a decimal string; anything else is E_PORT_RANGE naming the item and the value.
 */
export function parsePort(item: string, value: unknown): number {
  let port: number | undefined;
  if (typeof value === 'number') port = value;
  else if (typeof value === 'string' && /^\s*\d{1,6}\s*$/.test(value)) port = Number(value.trim());
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SiteportError(
      'E_PORT_RANGE',
      `${item} must be a whole number from 1 to 65535, got ${JSON.stringify(value)}`,
      { details: { item, value: typeof value === 'string' || typeof value === 'number' ? value : String(value) } },
    );
  }
  return port;
}

/** Whether binding the port usually needs root or CAP_NET_BIND_SERVICE. */
export function isPrivilegedPort(port: number): boolean {
  return port < FIRST_UNPRIVILEGED_PORT;
}

/** Checks a description: at most 256 characters, no control characters. */
export function checkDescription(item: PortItem, text: string): string {
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw new SiteportError(
      'E_DESCRIPTION',
      `the description of ${item} is ${text.length} characters long; shorten it to ${MAX_DESCRIPTION_LENGTH} or fewer`,
      { details: { item } },
    );
  }
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new SiteportError(
      'E_DESCRIPTION',
      `the description of ${item} contains control characters; use plain text on one line`,
      {
        details: { item },
      },
    );
  }
  return text;
}

/**
 * Validates a complete set of port settings: every port in range, an alternate differs
 * from its default, and all TCP items are distinct. Throws the first problem as a SiteportError.
 */
export function validatePortSettings(settings: PortSettings): void {
  for (const item of PORT_ITEMS) {
    const port = portOfItem(settings, item);
    if (port !== null) parsePort(item, port);
    checkDescription(item, settings.descriptions[item]);
  }
  const seen = new Map<number, PortItem>();
  for (const item of PORT_ITEMS) {
    if (!isTcpItem(item)) continue;
    const port = portOfItem(settings, item);
    if (port === null) continue;
    const other = seen.get(port);
    if (other !== undefined) {
      throw new SiteportError(
        'E_PORT_CONFLICT',
        `${item} and ${other} would both use TCP port ${port}; give each TCP item its own port`,
        { details: { item, other, port } },
      );
    }
    seen.set(port, item);
  }
}

/** The distinct TCP ports a site's MPs listen on for client requests. */
export function requestPortsOf(settings: Pick<PortSettings, 'http' | 'https'>): number[] {
  const ports = [settings.http.default, settings.https.default];
  if (settings.http.alternate !== null) ports.push(settings.http.alternate);
  if (settings.https.alternate !== null) ports.push(settings.https.alternate);
  return ports;
}
