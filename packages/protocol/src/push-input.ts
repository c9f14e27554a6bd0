import { SiteportError } from './siteport-error.js';
import { isHostName } from './host-name.js';
import type { PushHostsBody, PushSettingsBody, PushSource } from './wire/push-messages.js';

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

/** An install root as stored: trailing slashes dropped, no `..` segment, so it is safe in a remote command. */
export function checkInstallDir(path: string, field = 'installDir'): string {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (clean.length < 2 || clean.length > 255 || clean.split('/').includes('..')) {
    throw bad(field, 'expected an absolute path of letters, digits and . _ - / (no ..), at most 255 characters');
  }
  return clean;
}

/** Normalises a host key fingerprint its schema accepted to OpenSSH's `SHA256:<base64>` form (as `ssh-keygen -l` prints it). */
export function normalizeHostKey(fingerprint: string): string {
  return `SHA256:${fingerprint
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '')}`;
}

function checkHost(host: string, field: string): string {
  if (!isHostName(host)) throw bad(field, 'expected a host name or IP address');
  return host.toLowerCase();
}

function secretOf(
  privateKey: string | undefined,
  password: string | undefined,
  what: string,
): PushSecretInput | undefined {
  if (privateKey !== undefined && password !== undefined)
    throw bad(`${what}privateKey`, 'give privateKey or password, not both');
  if (privateKey !== undefined) return { kind: 'key', value: new Secret(privateKey) };
  return password === undefined ? undefined : { kind: 'password', value: new Secret(password) };
}

/**
 * The rules of a `…/push/hosts` or `…/push/install` body its schema cannot state: host names,
 * install roots, a key or a password (not both), no host:port twice; defaults applied.
 */
export function checkPushHosts(body: PushHostsBody): PushHostSpec[] {
  const specs = body.hosts.map((input, index): PushHostSpec => {
    const what = `hosts[${index}].`;
    const spec: PushHostSpec = {
      host: checkHost(input.host, `${what}host`),
      port: input.port ?? PUSH_DEFAULTS.sshPort,
      source: input.source ?? 'api',
    };
    if (input.user !== undefined) spec.user = input.user;
    const secret = secretOf(input.privateKey, input.password, what);
    if (secret !== undefined) spec.secret = secret;
    if (input.hostKey !== undefined) spec.hostKey = normalizeHostKey(input.hostKey);
    if (input.installDir !== undefined) spec.installDir = checkInstallDir(input.installDir, `${what}installDir`);
    return spec;
  });
  const seen = new Set<string>();
  for (const s of specs) {
    const id = `${s.host}:${s.port}`;
    if (seen.has(id)) throw bad('hosts', `${id} is listed twice`);
    seen.add(id);
  }
  return specs;
}

/** The rules of a `PATCH …/push/settings` body its schema cannot state; nothing is applied when any is broken. */
export function checkPushSettings(body: PushSettingsBody): PushSettingsChange {
  const { privateKey, password, managementPoint, defaultInstallDir, ...plain } = body;
  const change: PushSettingsChange = { ...plain };
  if (managementPoint !== undefined) change.managementPoint = checkHost(managementPoint, 'managementPoint');
  if (defaultInstallDir !== undefined)
    change.defaultInstallDir = checkInstallDir(defaultInstallDir, 'defaultInstallDir');
  const secret = secretOf(privateKey, password, '');
  if (secret !== undefined) change.secret = secret;
  return change;
}

/** A checked `POST …/push/candidates` body: the client whose reported host name is offered, and the SSH port. */
export interface PushCandidateInput {
  clientId: string;
  port: number;
}
