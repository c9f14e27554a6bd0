import { SiteportError } from './siteport-error.js';
import { DEFAULT_PORTS } from './port-settings.js';
import { parsePort } from './port-rules.js';
import { parseSiteCode } from './site-code.js';
import { isHostName } from './host-name.js';
import { isRegistrationTokenShape } from './wire/registration-messages.js';

/** Client installation properties of `siteport setup`. */
export interface SetupProperties {
  /** Site code to join, or `AUTO` to take the site of the first MP that answers. */
  siteCode: string;
  /** Initial management point host (intranet). */
  managementPoint: string | null;
  httpPort: number;
  httpsPort: number;
  /** Internet-facing management point host. */
  internetManagementPoint: string | null;
  /** `CCMALWAYSINF=1`: the client is internet-only. */
  alwaysInternet: boolean;
  /** Expected SHA-256 fingerprint of the site CA; without it the CA is trusted on first use. */
  caFingerprint: string | null;
  /** `SMSREGTOKEN`: a registration token for sites that register clients with tokens (decision 0095). */
  registrationToken: string | null;
  /**
   * `SMSRELEASEKEY`: SHA-256 fingerprint of the release-signing public key the agent trusts for
   * upgrades (decision 0111); without it the agent installs no upgrade.
   */
  releaseKeyFingerprint: string | null;
  /** `SMSGATEWAY=host:port`: the site's gateway, for a client installed outside the network (decision 0113). */
  gateway: { host: string; port: number } | null;
}

export const SETUP_PROPERTY_NAMES = [
  'SMSSITECODE',
  'SMSMP',
  'CCMHTTPPORT',
  'CCMHTTPSPORT',
  'CCMHOSTNAME',
  'CCMALWAYSINF',
  'SMSCAFINGERPRINT',
  'SMSREGTOKEN',
  'SMSRELEASEKEY',
  'SMSGATEWAY',
] as const;
export type SetupPropertyName = (typeof SETUP_PROPERTY_NAMES)[number];

function bad(name: string, message: string, cause?: unknown): SiteportError {
  return new SiteportError('E_SETUP_PROPERTY', `${name}: ${message}`, {
    details: { property: name },
    ...(cause === undefined ? {} : { cause }),
  });
}

function host(name: string, value: string): string {
  if (!isHostName(value)) throw bad(name, `expected a host name or IP address, got ${JSON.stringify(value)}`);
  return value;
}

/** Normalises a fingerprint to lower-case hex without separators. */
export function normaliseFingerprint(value: string): string | null {
  const hex = value
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** Splits `NAME=VALUE` words into a map; repeated or unknown names are errors. */
export function splitSetupProperties(words: readonly string[]): Map<SetupPropertyName, string> {
  const map = new Map<SetupPropertyName, string>();
  for (const word of words) {
    const at = word.indexOf('=');
    const name = (at < 0 ? word : word.slice(0, at)).toUpperCase();
    if (at < 0) throw bad(name, 'expected PROPERTY=VALUE');
    if (!(SETUP_PROPERTY_NAMES as readonly string[]).includes(name)) {
      throw bad(name, `unknown property; use ${SETUP_PROPERTY_NAMES.join(', ')}`);
    }
    if (map.has(name as SetupPropertyName)) throw bad(name, 'given twice');
    map.set(name as SetupPropertyName, word.slice(at + 1));
  }
  return map;
}

/**
 * Validates installation properties, applying the defaults (CCMHTTPPORT 80,
 * CCMHTTPSPORT 443). Every error names the property and says what is accepted.
 */
export function parseSetupProperties(map: ReadonlyMap<SetupPropertyName, string>): SetupProperties {
  const get = (name: SetupPropertyName): string | undefined => map.get(name);
  const siteText = get('SMSSITECODE') ?? 'AUTO';
  const siteCode = siteText.toUpperCase() === 'AUTO' ? 'AUTO' : wrapSite(siteText);
  const httpPort = portProperty('CCMHTTPPORT', get('CCMHTTPPORT'), DEFAULT_PORTS.http);
  const httpsPort = portProperty('CCMHTTPSPORT', get('CCMHTTPSPORT'), DEFAULT_PORTS.https);
  if (httpPort === httpsPort) throw bad('CCMHTTPSPORT', `must differ from CCMHTTPPORT (both are ${httpPort})`);
  const inf = get('CCMALWAYSINF') ?? '0';
  if (inf !== '0' && inf !== '1') throw bad('CCMALWAYSINF', `expected 0 or 1, got ${JSON.stringify(inf)}`);
  const mp = get('SMSMP');
  const internetMp = get('CCMHOSTNAME');
  const fp = get('SMSCAFINGERPRINT');
  const caFingerprint = fp === undefined ? null : normaliseFingerprint(fp);
  if (fp !== undefined && caFingerprint === null)
    throw bad('SMSCAFINGERPRINT', 'expected a SHA-256 fingerprint (64 hex digits)');
  const rk = get('SMSRELEASEKEY');
  const releaseKeyFingerprint = rk === undefined ? null : normaliseFingerprint(rk);
  if (rk !== undefined && releaseKeyFingerprint === null)
    throw bad('SMSRELEASEKEY', 'expected the SHA-256 fingerprint of the release public key (64 hex digits)');
  const token = get('SMSREGTOKEN');
  // Never echoed back: the value is a secret.
  if (token !== undefined && !isRegistrationTokenShape(token))
    throw bad(
      'SMSREGTOKEN',
      'expected a registration token as printed by siteport registration token create (sprt_ and 43 characters)',
    );
  const props: SetupProperties = {
    siteCode,
    managementPoint: mp === undefined ? null : host('SMSMP', mp),
    httpPort,
    httpsPort,
    internetManagementPoint: internetMp === undefined ? null : host('CCMHOSTNAME', internetMp),
    alwaysInternet: inf === '1',
    caFingerprint,
    registrationToken: token ?? null,
    releaseKeyFingerprint,
    gateway: gatewayProperty(get('SMSGATEWAY')),
  };
  if (props.alwaysInternet && props.internetManagementPoint === null) {
    throw bad('CCMALWAYSINF', 'an internet-only client needs CCMHOSTNAME=<internet-facing MP>');
  }
  if (props.managementPoint === null && props.internetManagementPoint === null) {
    throw bad('SMSMP', 'name the management point to contact (SMSMP=host, or CCMHOSTNAME=host for internet clients)');
  }
  return props;
}

/** `SMSGATEWAY=host:port` (an IPv6 address in brackets). */
function gatewayProperty(value: string | undefined): { host: string; port: number } | null {
  if (value === undefined) return null;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):(\d{1,5})$/.exec(value);
  if (match === null)
    throw bad('SMSGATEWAY', `expected host:port (e.g. gateway.example.com:443), got ${JSON.stringify(value)}`);
  const name = (match[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host('SMSGATEWAY', name), port: portProperty('SMSGATEWAY', match[2], 443) };
}

function wrapSite(value: string): string {
  try {
    return parseSiteCode(value, 'SMSSITECODE');
  } catch (error) {
    throw bad('SMSSITECODE', `expected three letters or digits or AUTO, got ${JSON.stringify(value)}`, error);
  }
}

function portProperty(name: SetupPropertyName, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parsePort(name, value);
  } catch (error) {
    throw bad(name, `expected a whole number from 1 to 65535, got ${JSON.stringify(value)}`, error);
  }
}
