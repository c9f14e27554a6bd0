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
 * alternate removes it. This is the body of `PATCH /api/v1/sites/{code}/ports`.
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

function parseMode(value: unknown): CommunicationMode {
  if (typeof value === 'string' && (COMMUNICATION_MODES as readonly string[]).includes(value)) {
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

/**
 * Checks an untrusted JSON body as a {@link PortChange}: unknown keys, wrong types and bad ports
 * are refused with the same codes and messages as the CLI gives.
 */
export function parsePortChangeBody(body: unknown): PortChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SiteportError('E_BAD_REQUEST', 'the request body must be a JSON object of the settings to change');
  }
  const change: PortChange = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'expectedVersion':
        if (!Number.isInteger(value) || (value as number) < 1) {
          throw new SiteportError('E_VALIDATION', 'expectedVersion must be a positive integer (the version you read)');
        }
        change.expectedVersion = value as number;
        break;
      case 'http':
      case 'https':
        change[key] = parsePairBody(key, value);
        break;
      case 'notification':
      case 'wake':
        change[key] = parseJsonPort(key, value);
        break;
      case 'customWebSite':
        if (typeof value !== 'boolean') throw new SiteportError('E_VALIDATION', 'customWebSite must be true or false');
        change.customWebSite = value;
        break;
      case 'communicationMode':
        change.communicationMode = parseMode(value);
        break;
      case 'descriptions':
        change.descriptions = parseDescriptionsBody(value);
        break;
      default:
        throw unknownItem(key);
    }
  }
  return change;
}

/** A port in a JSON body: a JSON number (the API's schema says integer); "8080" as a string is refused. */
function parseJsonPort(item: string, value: unknown): number {
  if (typeof value !== 'number') {
    const hint = typeof value === 'string' ? ' (a string: write 8080, not "8080")' : '';
    throw new SiteportError('E_PORT_RANGE', `${item} must be a JSON number from 1 to 65535, got ${JSON.stringify(value)}${hint}`, {
      details: { item },
    });
  }
  return parsePort(item, value);
}

function parsePairBody(protocol: 'http' | 'https', value: unknown): { default?: number; alternate?: number | null } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SiteportError('E_VALIDATION', `${protocol} must be an object like {"default": 8080, "alternate": null}`);
  }
  const out: { default?: number; alternate?: number | null } = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'default') out.default = parseJsonPort(protocol, inner);
    else if (key === 'alternate') out.alternate = inner === null ? null : parseJsonPort(`${protocol}-alternate`, inner);
    else throw new SiteportError('E_UNKNOWN_ITEM', `${protocol}.${key} is not a setting; use default or alternate`);
  }
  return out;
}

function parseDescriptionsBody(value: unknown): Partial<Record<PortItem, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SiteportError('E_VALIDATION', 'descriptions must be an object of item → text');
  }
  const out: Partial<Record<PortItem, string>> = {};
  for (const [key, text] of Object.entries(value)) {
    if (!isPortItem(key)) throw unknownItem(key);
    if (typeof text !== 'string') throw new SiteportError('E_DESCRIPTION', `the description of ${key} must be text`);
    out[key] = checkDescription(key, text);
  }
  return out;
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
