import { SiteportError } from './siteport-error.js';
import { isHostName } from './host-name.js';
import { PUSH_SOURCES, type PushSource } from './wire/push-messages.js';

/** Sources a request body may name; `client` is the server's own (a client's reported host name). */
const BODY_SOURCES = PUSH_SOURCES.filter((s) => s !== 'client');

/**
 * A push secret (SSH private key or password) in memory. It prints as `[redacted]` in JSON, string
 * conversion and Node's inspector, so a log line or response that carries it by mistake shows
 * nothing; {@link Secret.reveal} is the only way to the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** A write-only push credential: the account and either a private key or (only if chosen) a password. */
export interface PushSecretInput {
  kind: 'key' | 'password';
  value: Secret;
}

/** One host to add to the push inventory, validated. */
export interface PushHostSpec {
  host: string;
  port: number;
  user?: string;
  secret?: PushSecretInput;
  hostKey?: string;
  installDir?: string;
  source: PushSource;
}

/** A validated change of a site's push settings; absent fields stay as they are. */
export interface PushSettingsChange {
  autoPush?: boolean;
  retryIntervalSeconds?: number;
  retryForSeconds?: number;
  registrationTimeoutSeconds?: number;
  acceptNewHostKeys?: boolean;
  managementPoint?: string;
  defaultInstallDir?: string;
  user?: string;
  secret?: PushSecretInput;
}

/** Push retries: every hour for seven days unless the site says otherwise. */
export const PUSH_DEFAULTS = Object.freeze({
  retryIntervalSeconds: 3600,
  retryForSeconds: 7 * 24 * 3600,
  registrationTimeoutSeconds: 120,
  installDir: '/opt/siteport-agent',
  sshPort: 22,
});

function bad(field: string, message: string): SiteportError {
  return new SiteportError('E_VALIDATION', `${field}: ${message}`, { details: { field } });
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw bad(`${what}.${key}`, `unknown field; allowed are ${allowed.join(', ')}`);
  }
}

function text(obj: Record<string, unknown>, key: string, what: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(`${what}${key}`, 'expected a string');
  return value;
}

function whole(obj: Record<string, unknown>, key: string, min: number, max: number, what = ''): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${what}${key}`, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(obj: Record<string, unknown>, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(key, `expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** An SSH account name: letters, digits, `_ . -`, up to 32 characters. */
export function parsePushUser(value: string, field = 'user'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(value)) throw bad(field, 'expected an account name of letters, digits, _ . - (at most 32)');
  return value;
}

/** An absolute install root without `..`, spaces or shell characters, so it is safe in a remote command. */
export function parseInstallDir(value: string, field = 'installDir'): string {
  const clean = value.length > 1 ? value.replace(/\/+$/, '') : value;
  if (!/^\/[A-Za-z0-9._/-]{1,254}$/.test(clean) || clean.split('/').includes('..')) {
    throw bad(field, `expected an absolute path of letters, digits and . _ - / (no ..), got ${JSON.stringify(value)}`);
  }
  return clean;
}

/** Normalises an SSH host key fingerprint to OpenSSH's `SHA256:<base64>` form (as `ssh-keygen -l` prints). */
export function parseHostKeyFingerprint(value: string, field = 'hostKey'): string {
  const b64 = value.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(b64)) {
    throw bad(field, 'expected a SHA-256 host key fingerprint as ssh-keygen -lf prints it (SHA256:<43 base64 characters>)');
  }
  return `SHA256:${b64}`;
}

function secretOf(obj: Record<string, unknown>, what: string): PushSecretInput | undefined {
  const key = text(obj, 'privateKey', what);
  const password = text(obj, 'password', what);
  if (key !== undefined && password !== undefined) throw bad(`${what}privateKey`, 'give privateKey or password, not both');
  if (key !== undefined) {
    if (key.length > 16384 || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
      throw bad(`${what}privateKey`, 'expected an SSH private key in PEM or OpenSSH format (-----BEGIN … PRIVATE KEY-----), at most 16 KiB');
    }
    return { kind: 'key', value: new Secret(key) };
  }
  if (password !== undefined) {
    if (password.length === 0 || password.length > 1024) throw bad(`${what}password`, 'expected 1 to 1024 characters');
    return { kind: 'password', value: new Secret(password) };
  }
  return undefined;
}

const HOST_KEYS = ['host', 'port', 'user', 'privateKey', 'password', 'hostKey', 'installDir', 'source'] as const;

/** Validates one host of a `…/push/hosts` or `…/push/install` body. */
export function parsePushHost(value: unknown, index: number, fallbackSource: PushSource = 'api'): PushHostSpec {
  const what = `hosts[${index}].`;
  const obj = record(value, `hosts[${index}]`);
  onlyKeys(obj, HOST_KEYS, `hosts[${index}]`);
  const host = text(obj, 'host', what);
  if (host === undefined || !isHostName(host)) throw bad(`${what}host`, `expected a host name or IP address, got ${JSON.stringify(host)}`);
  const spec: PushHostSpec = { host: host.toLowerCase(), port: whole(obj, 'port', 1, 65535, what) ?? PUSH_DEFAULTS.sshPort, source: fallbackSource };
  const user = text(obj, 'user', what);
  if (user !== undefined) spec.user = parsePushUser(user, `${what}user`);
  const secret = secretOf(obj, what);
  if (secret !== undefined) spec.secret = secret;
  const hostKey = text(obj, 'hostKey', what);
  if (hostKey !== undefined) spec.hostKey = parseHostKeyFingerprint(hostKey, `${what}hostKey`);
  const dir = text(obj, 'installDir', what);
  if (dir !== undefined) spec.installDir = parseInstallDir(dir, `${what}installDir`);
  const source = text(obj, 'source', what);
  if (source !== undefined) {
    if (!(BODY_SOURCES as readonly string[]).includes(source)) throw bad(`${what}source`, `expected one of ${BODY_SOURCES.join(', ')}`);
    spec.source = source as PushSource;
  }
  return spec;
}

/** Validates `{ hosts: [...] }`: 1 to 1000 hosts, no host:port twice. */
export function parsePushHostsBody(value: unknown): PushHostSpec[] {
  const obj = record(value, 'body');
  onlyKeys(obj, ['hosts'], 'body');
  if (!Array.isArray(obj.hosts) || obj.hosts.length === 0 || obj.hosts.length > 1000) throw bad('hosts', 'expected a list of 1 to 1000 hosts');
  const specs = obj.hosts.map((h, i) => parsePushHost(h, i));
  const seen = new Set<string>();
  for (const s of specs) {
    const id = `${s.host}:${s.port}`;
    if (seen.has(id)) throw bad('hosts', `${id} is listed twice`);
    seen.add(id);
  }
  return specs;
}

const SETTINGS_KEYS = [
  'autoPush',
  'retryIntervalSeconds',
  'retryForSeconds',
  'registrationTimeoutSeconds',
  'acceptNewHostKeys',
  'managementPoint',
  'defaultInstallDir',
  'user',
  'privateKey',
  'password',
] as const;

/** Validates a `PATCH …/push/settings` body; nothing is applied when any field is bad. */
export function parsePushSettingsBody(value: unknown): PushSettingsChange {
  const obj = record(value, 'body');
  onlyKeys(obj, SETTINGS_KEYS, 'body');
  const change: PushSettingsChange = {};
  const autoPush = flag(obj, 'autoPush');
  if (autoPush !== undefined) change.autoPush = autoPush;
  const interval = whole(obj, 'retryIntervalSeconds', 1, 7 * 24 * 3600);
  if (interval !== undefined) change.retryIntervalSeconds = interval;
  const window = whole(obj, 'retryForSeconds', 0, 90 * 24 * 3600);
  if (window !== undefined) change.retryForSeconds = window;
  const timeout = whole(obj, 'registrationTimeoutSeconds', 1, 3600);
  if (timeout !== undefined) change.registrationTimeoutSeconds = timeout;
  const accept = flag(obj, 'acceptNewHostKeys');
  if (accept !== undefined) change.acceptNewHostKeys = accept;
  const mp = text(obj, 'managementPoint', '');
  if (mp !== undefined) {
    if (!isHostName(mp)) throw bad('managementPoint', `expected a host name or IP address, got ${JSON.stringify(mp)}`);
    change.managementPoint = mp;
  }
  const dir = text(obj, 'defaultInstallDir', '');
  if (dir !== undefined) change.defaultInstallDir = parseInstallDir(dir, 'defaultInstallDir');
  const user = text(obj, 'user', '');
  if (user !== undefined) change.user = parsePushUser(user);
  const secret = secretOf(obj, '');
  if (secret !== undefined) change.secret = secret;
  return change;
}

/** A validated `POST …/push/candidates` body: the client whose reported host name is offered, and the SSH port. */
export interface PushCandidateInput {
  clientId: string;
  port: number;
}

/** Validates `{ clientId, port? }`. */
export function parsePushCandidateBody(value: unknown): PushCandidateInput {
  const obj = record(value, 'body');
  onlyKeys(obj, ['clientId', 'port'], 'body');
  const clientId = text(obj, 'clientId', '');
  if (clientId === undefined || !/^[A-Za-z0-9-]{1,64}$/.test(clientId)) throw bad('clientId', `expected a client id, got ${JSON.stringify(clientId)}`);
  return { clientId, port: whole(obj, 'port', 1, 65535) ?? PUSH_DEFAULTS.sshPort };
}

/** Validates a `POST …/push/hosts/{id}/approve` body: `{}` or `{ hostKey }`. */
export function parsePushApproveBody(value: unknown): { hostKey?: string } {
  const obj = record(value ?? {}, 'body');
  onlyKeys(obj, ['hostKey'], 'body');
  const hostKey = text(obj, 'hostKey', '');
  return hostKey === undefined ? {} : { hostKey: parseHostKeyFingerprint(hostKey) };
}
