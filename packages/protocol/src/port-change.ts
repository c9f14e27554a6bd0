import { SiteportError } from './siteport-error.js';
import {
  COMMUNICATION_MODES,
  type CommunicationMode,
  PORT_ITEMS,
  type PortItem,
  type PortSettings,
} from './port-settings.js';
import { checkDescription, parsePort, validatePortSettings } from './port-rules.js';

/**
 * A requested change of a site's port settings: only the named fields change. `null` for an
 * alternate removes it. This is the body of `PATCH /api/v1/sites/{code}/ports`, checked against
 * its schema `PortChangeBody` by the admin API.
 */
export interface PortChange {
  expectedVersion?: number;
  http?: { default?: number; alternate?: number | null };
  https?: { default?: number; alternate?: number | null };
  notification?: number;
  wake?: number;
  customWebSite?: boolean;
  communicationMode?: CommunicationMode;
  descriptions?: Partial<Record<PortItem, string>>;
}

/** Items `siteport ports set` accepts as ITEM=VALUE besides the port items. */
export const SETTING_ITEMS = ['custom-web-site', 'communication-mode'] as const;

function isPortItem(name: string): name is PortItem {
  return (PORT_ITEMS as readonly string[]).includes(name);
}

function unknownItem(name: string): SiteportError {
  return new SiteportError(
    'E_UNKNOWN_ITEM',
    `unknown item '${name}'; use one of ${[...PORT_ITEMS, ...SETTING_ITEMS].join(', ')}`,
    { details: { item: name } },
  );
}

function parseBoolean(item: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SiteportError('E_VALIDATION', `${item} must be true or false, got ${JSON.stringify(value)}`, {
    details: { item },
  });
}

function parseMode(value: string): CommunicationMode {
  if ((COMMUNICATION_MODES as readonly string[]).includes(value)) {
    return value as CommunicationMode;
  }
  throw new SiteportError(
    'E_VALIDATION',
    `communication-mode must be one of ${COMMUNICATION_MODES.join(', ')}, got ${JSON.stringify(value)}`,
    { details: { item: 'communication-mode' } },
  );
}

function setPort(change: PortChange, item: PortItem, port: number | null): void {
  switch (item) {
    case 'http':
    case 'https':
      if (port === null) throw noneNotAllowed(item);
      change[item] = { ...change[item], default: port };
      return;
    case 'http-alternate':
      change.http = { ...change.http, alternate: port };
      return;
    case 'https-alternate':
      change.https = { ...change.https, alternate: port };
      return;
    case 'notification':
    case 'wake':
      if (port === null) throw noneNotAllowed(item);
      change[item] = port;
      return;
  }
}

function noneNotAllowed(item: PortItem): SiteportError {
  return new SiteportError('E_PORT_RANGE', `${item} cannot be removed; only an alternate port can be set to none`, {
    details: { item },
  });
}

function splitPair(pair: string, what: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) {
    throw new SiteportError('E_VALIDATION', `expected ${what} as NAME=VALUE, got ${JSON.stringify(pair)}`);
  }
  return [pair.slice(0, at).trim(), pair.slice(at + 1)];
}

/**
 * Turns `ITEM=VALUE` pairs and `ITEM=TEXT` descriptions (the `siteport ports set` arguments)
 * into a {@link PortChange}. Every error names the item and says what is accepted.
 */
export function parsePortAssignments(assignments: readonly string[], descriptions: readonly string[] = []): PortChange {
  const change: PortChange = {};
  for (const pair of assignments) {
    const [name, value] = splitPair(pair, 'a setting');
    if (name === 'custom-web-site') change.customWebSite = parseBoolean(name, value.trim());
    else if (name === 'communication-mode') change.communicationMode = parseMode(value.trim());
    else if (isPortItem(name)) setPort(change, name, value.trim() === 'none' ? null : parsePort(name, value));
    else throw unknownItem(name);
  }
  for (const pair of descriptions) {
    const [name, text] = splitPair(pair, 'a description');
    if (!isPortItem(name)) throw unknownItem(name);
    change.descriptions = { ...change.descriptions, [name]: checkDescription(name, text) };
  }
  return change;
}

/** Applies a change to settings and validates the result as a whole; the input is not modified. */
export function applyPortChange(current: PortSettings, change: PortChange): PortSettings {
  const next: PortSettings = {
    http: { ...current.http, ...change.http },
    https: { ...current.https, ...change.https },
    notification: change.notification ?? current.notification,
    wake: change.wake ?? current.wake,
    customWebSite: change.customWebSite ?? current.customWebSite,
    descriptions: { ...current.descriptions, ...change.descriptions },
  };
  validatePortSettings(next);
  return next;
}

/** Whether a change touches anything at all. */
export function isEmptyChange(change: PortChange): boolean {
  return Object.keys(change).filter((key) => key !== 'expectedVersion').length === 0;
}
