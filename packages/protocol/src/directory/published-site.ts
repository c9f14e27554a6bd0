import type { CommunicationMode, RequestPorts } from '../port-settings.js';
import { COMMUNICATION_MODES } from '../port-settings.js';
import { isHostName } from '../host-name.js';
import { SiteportError } from '../siteport-error.js';
import { DIRECTORY_ATTRIBUTES as A, DIRECTORY_CLASSES } from './directory-schema.js';

/** What a site publishes about itself in its directory entry. */
export interface PublishedSite {
  siteCode: string;
  settingsVersion: number;
  ports: { http: RequestPorts; https: RequestPorts };
  notification: number;
  customWebSite: boolean;
  communicationMode: CommunicationMode;
  policyIntervalSeconds: number;
  /** The site's client installation properties as `NAME=VALUE` (S9: setup that reads the directory). */
  installProperties: string[];
  /** The site CA (PEM), for pinning. */
  caCertificate: string | null;
}

/** What a site publishes about one management point. */
export interface PublishedManagementPoint {
  siteCode: string;
  host: string;
  settingsVersion: number;
  ports: { http: RequestPorts; https: RequestPorts };
  notification: number;
}

/** Attribute values of an entry as LDAP clients hand them over. */
export type EntryAttributes = Readonly<Record<string, unknown>>;

function portAttrs(ports: { http: RequestPorts; https: RequestPorts }): Record<string, string[]> {
  const out: Record<string, string[]> = {
    [A.httpPort]: [String(ports.http.default)],
    [A.httpsPort]: [String(ports.https.default)],
  };
  // An unset alternate is an empty list: a modify-replace with no values removes the attribute.
  out[A.httpAlternatePort] = ports.http.alternate === null ? [] : [String(ports.http.alternate)];
  out[A.httpsAlternatePort] = ports.https.alternate === null ? [] : [String(ports.https.alternate)];
  return out;
}

/** The attributes of a site entry (without objectClass and cn). */
export function siteAttributes(site: PublishedSite): Record<string, string[]> {
  return {
    [A.siteCode]: [site.siteCode],
    [A.settingsVersion]: [String(site.settingsVersion)],
    ...portAttrs(site.ports),
    [A.notificationPort]: [String(site.notification)],
    [A.customWebSite]: [site.customWebSite ? 'TRUE' : 'FALSE'],
    [A.communicationMode]: [site.communicationMode],
    [A.policyInterval]: [String(site.policyIntervalSeconds)],
    [A.installProperty]: [...site.installProperties],
    [A.caCertificate]: site.caCertificate === null ? [] : [site.caCertificate],
  };
}

/** The attributes of a management point entry (without objectClass and cn). */
export function managementPointAttributes(mp: PublishedManagementPoint): Record<string, string[]> {
  return {
    [A.siteCode]: [mp.siteCode],
    [A.mpHost]: [mp.host],
    [A.settingsVersion]: [String(mp.settingsVersion)],
    ...portAttrs(mp.ports),
    [A.notificationPort]: [String(mp.notification)],
  };
}

/** The object classes of each entry kind. */
export const ENTRY_OBJECT_CLASSES = {
  site: ['top', DIRECTORY_CLASSES.site],
  managementPoint: ['top', DIRECTORY_CLASSES.managementPoint],
} as const;

function values(entry: EntryAttributes, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const raw = key === undefined ? undefined : entry[key];
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  return list.map((v) => (typeof v === 'string' ? v : String(v)));
}

function bad(dn: string, why: string): SiteportError {
  return new SiteportError(
    'E_DIRECTORY_ENTRY',
    `the directory entry ${dn} is not a valid siteport entry (${why}); republish the site`,
    {
      details: { dn },
    },
  );
}

function one(entry: EntryAttributes, dn: string, name: string): string {
  const v = values(entry, name)[0];
  if (v === undefined) throw bad(dn, `${name} is missing`);
  return v;
}

function int(entry: EntryAttributes, dn: string, name: string, min: number, max: number): number {
  const text = one(entry, dn, name);
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw bad(dn, `${name} is ${JSON.stringify(text)}`);
  return n;
}

function optionalPort(entry: EntryAttributes, dn: string, name: string): number | null {
  return values(entry, name).length === 0 ? null : int(entry, dn, name, 1, 65535);
}

function ports(entry: EntryAttributes, dn: string): { http: RequestPorts; https: RequestPorts } {
  return {
    http: { default: int(entry, dn, A.httpPort, 1, 65535), alternate: optionalPort(entry, dn, A.httpAlternatePort) },
    https: { default: int(entry, dn, A.httpsPort, 1, 65535), alternate: optionalPort(entry, dn, A.httpsAlternatePort) },
  };
}

/** Reads a site entry; a missing or malformed attribute is E_DIRECTORY_ENTRY naming the entry. */
export function parseSiteEntry(dn: string, entry: EntryAttributes): PublishedSite {
  const mode = values(entry, A.communicationMode)[0] ?? 'https-or-http';
  if (!(COMMUNICATION_MODES as readonly string[]).includes(mode))
    throw bad(dn, `${A.communicationMode} is ${JSON.stringify(mode)}`);
  const interval = values(entry, A.policyInterval).length === 0 ? 60 : int(entry, dn, A.policyInterval, 1, 86400);
  return {
    siteCode: one(entry, dn, A.siteCode).toUpperCase(),
    settingsVersion: int(entry, dn, A.settingsVersion, 1, Number.MAX_SAFE_INTEGER),
    ports: ports(entry, dn),
    notification: int(entry, dn, A.notificationPort, 1, 65535),
    customWebSite: (values(entry, A.customWebSite)[0] ?? 'FALSE').toUpperCase() === 'TRUE',
    communicationMode: mode as CommunicationMode,
    policyIntervalSeconds: interval,
    installProperties: values(entry, A.installProperty),
    caCertificate: values(entry, A.caCertificate)[0] ?? null,
  };
}

/** Reads a management point entry; a host that is no host name or address is E_DIRECTORY_ENTRY. */
export function parseManagementPointEntry(dn: string, entry: EntryAttributes): PublishedManagementPoint {
  const host = one(entry, dn, A.mpHost);
  if (!isHostName(host))
    throw bad(dn, `${A.mpHost} ${JSON.stringify(host.slice(0, 80))} is not a host name or address`);
  return {
    siteCode: one(entry, dn, A.siteCode).toUpperCase(),
    host,
    settingsVersion: int(entry, dn, A.settingsVersion, 1, Number.MAX_SAFE_INTEGER),
    ports: ports(entry, dn),
    notification: int(entry, dn, A.notificationPort, 1, 65535),
  };
}

/** Most management points a client takes from the directory for one site. */
export const MAX_DIRECTORY_MANAGEMENT_POINTS = 64;
/** Most management point entries a client reads from the directory for one site (valid or not). */
export const DIRECTORY_MANAGEMENT_POINT_READ_LIMIT = 2 * MAX_DIRECTORY_MANAGEMENT_POINTS;

/**
 * Reads the management point entries of site `siteCode` as a client takes them: an entry that is
 * not valid or names another site is skipped (and returned in `skipped`, for one log line) rather
 * than failing the lookup; a host is taken once; at most {@link MAX_DIRECTORY_MANAGEMENT_POINTS}.
 */
export function parseManagementPointEntries(
  siteCode: string,
  entries: readonly (EntryAttributes & { dn: string })[],
): { managementPoints: PublishedManagementPoint[]; skipped: SiteportError[] } {
  const managementPoints: PublishedManagementPoint[] = [];
  const skipped: SiteportError[] = [];
  const hosts = new Set<string>();
  for (const entry of entries) {
    if (managementPoints.length >= MAX_DIRECTORY_MANAGEMENT_POINTS) break;
    try {
      const mp = parseManagementPointEntry(entry.dn, entry);
      if (mp.siteCode !== siteCode) throw bad(entry.dn, `it names site ${mp.siteCode}, not ${siteCode}`);
      const key = mp.host.toLowerCase();
      if (hosts.has(key)) continue;
      hosts.add(key);
      managementPoints.push(mp);
    } catch (error) {
      if (!(error instanceof SiteportError)) throw error;
      skipped.push(error);
    }
  }
  return { managementPoints, skipped };
}
