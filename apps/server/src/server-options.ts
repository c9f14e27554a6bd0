import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PORTS, type MpRole, SiteportError, parseSiteCode } from '@siteport/protocol';
import { type AuthThrottleLimits, type ConnectionOptions, DEFAULT_AUTH_THROTTLE } from './net/index.js';
import type { ParentOptions } from './hierarchy/index.js';
import type { RegistryTiming } from './cluster/index.js';
import type { NotifyLiveness } from './notify/index.js';
import { DEFAULT_AGENT_BUNDLE } from './push/index.js';
import { isWildcardBind, parseBindAddresses } from './bind-addresses.js';
import {
  connectionOptions,
  count,
  days,
  millis,
  mpCertificate,
  optionPort,
  parentOptions,
  parseRole,
  pendingCap,
  perMinute,
  registryTiming,
  seconds,
  type ServerOptionsInput,
} from './options/index.js';

export type { ConnectionOptions, ServerOptionsInput };

/** Options of a site server (`siteport server`). Validated once by {@link parseServerOptions}; the raw input type and the validators of single values and of the connection, parent and MP groups are in options/. */
export interface ServerOptions {
  /**
   * `--role`: `site` runs the site server (site services, admin API and console, one MP); `mp` runs an
   * additional management point of a site whose server shares the same PostgreSQL database. @default 'site'
   */
  readonly role: MpRole;
  /** Data dir: embedded database, site CA and keys, admin token (an MP process keeps only its own certificate in `pki/`, decision 0101). */
  readonly dataDir: string;
  /** `--db`: a postgres:// URL; absent for the embedded SQLite database. */
  readonly databaseUrl: string | undefined;
  /** Site code of a new site; a data dir that holds a site must be started with its code or none. @default 'PS1' for a new site */
  readonly siteCode: string | undefined;
  /** Admin API port on {@link adminHost}; 0 picks a free port. @default 8440 */
  readonly adminPort: number;
  /** Address of the admin listener; anything but loopback serves HTTPS. @default '127.0.0.1' */
  readonly adminHost: string;
  /**
   * `--admin-allow-host`: more host names the admin listener answers to (the Host header), beside IP
   * addresses, `localhost`, the site certificate's names and {@link adminHost}; they also go into the
   * site certificate. Any other name is refused with E_ADMIN_HOST (DNS rebinding guard). @default []
   */
  readonly adminAllowHosts: readonly string[];
  /** `--sign-in-failures`, `--source-failures`, `--lockout`: sign-in and bearer-token throttling (decision 0096). */
  readonly authThrottle: AuthThrottleLimits;
  /** `--bind`: the addresses the MP listeners bind, a wildcard alone or specific ones (bind-addresses.ts). @default ['::'] (IPv6 and IPv4) */
  readonly bindHosts: readonly string[];
  /** Initial ports of a new site; 0 picks a free port at first start. */
  readonly initialPorts: {
    readonly http: number;
    readonly httpAlternate: number | null;
    readonly https: number;
    readonly httpsAlternate: number | null;
    readonly notification: number;
    readonly wake: number;
  };
  /** Policy interval of a new site, in seconds. @default 60 */
  readonly policyIntervalSeconds: number;
  /** Clients not heard from for this long are inactive. @default 3 × the policy interval */
  readonly activeWindowSeconds: number | undefined;
  /** Host names clients use to reach this MP; they go into the site certificate and the policy. */
  readonly publicHosts: readonly string[];
  /** pino level, one of {@link LOG_LEVELS}. @default 'info' */
  readonly logLevel: string;
  /** `--ops-port`: the operations listener (`/metrics`, `/health`, `/ready`); 0 picks a free port; absent: none. */
  readonly opsPort: number | undefined;
  /** `--ops-bind`: its address. @default '127.0.0.1' */
  readonly opsHost: string;
  /** Days finished records are kept (0: forever): audit entries, finished rollouts, retired clients. @default 365, 90, 90 */
  readonly retention: { readonly auditDays: number; readonly rolloutDays: number; readonly retiredClientDays: number };
  /** `--agent-bundle`: the agent bundle push installation uploads. @default {@link DEFAULT_AGENT_BUNDLE}, built by `npm run bundle:agent` */
  readonly agentBundle: string;
  /** Directory publishing: first retry delay (doubles per failure), longest delay, LDAP timeout. @default 2000, 60000, 5000 ms */
  readonly directoryTiming: { readonly retryBaseMs: number; readonly retryMaxMs: number; readonly timeoutMs: number };
  /** `--parent`: the primary's admin API URL; set, this server runs a secondary site. */
  readonly parent: ParentOptions | undefined;
  /**
   * The notification channel's keep-alive interval: agents ping this often and a session silent for
   * 3 intervals is dropped (liveness `ping`), or the kernel probes a connection idle this long
   * (liveness `tcp`). @default 60
   */
  readonly notifyKeepAliveSeconds: number;
  /**
   * `--notify-liveness`: how dead notification connections are found. `ping`: agents ping, one sweep
   * timer drops silent sessions. `tcp`: TCP keep-alive on every connection, agents do not ping, no
   * timer for idle sessions; a silent dead peer is found after the interval plus ten probes a
   * second apart (what Node 20's libuv sets), decision 0108. @default 'ping'
   */
  readonly notifyLiveness: NotifyLiveness;
  /** A client not heard from (channel or long-poll) for this long is offline. @default 300 */
  readonly notifyOfflineSeconds: number;
  /** MP registry: heartbeat interval and the silence after which an MP process is dead. @default 5000, 15000 ms */
  readonly registryTiming: RegistryTiming;
  /**
   * The MP certificate the site CA issues (decision 0101): its lifetime, and how often the renewal
   * timer looks whether a third of it is left. Programmatic only (tests use seconds). @default 397 days, 1 hour
   */
  readonly mpCertificate: { readonly lifetimeMs: number; readonly checkMs: number };
  /** Timeouts and connection caps of every listener (decision 0091). */
  readonly connections: ConnectionOptions;
  /**
   * Per-source limits of each MP process (decision 0095): registrations and client session
   * openings one source address (an IPv6 /64) may make a minute, in bursts of as many; 0 = no
   * limit. @default 60 registrations, 600 session openings
   */
  readonly sourceLimits: { readonly registrationsPerMinute: number; readonly sessionsPerMinute: number };
  /**
   * Clients a site holds waiting for approval (registration mode approve-new); a new key beyond it
   * is refused with E_PENDING_FULL until an administrator approves, blocks or retires some; 0 = no cap.
   * @default 10000
   */
  readonly maxPendingClients: number;
}

/** A host name as in DNS (letters, digits, hyphens; dot-separated labels) or an IP address. */
function allowHost(value: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  if (isIP(name) !== 0 || (name.length <= 253 && name.split('.').every((part) => label.test(part)))) return name;
  throw new SiteportError(
    'E_OPTION',
    `--admin-allow-host must be a host name like admin.example.org or an IP address, got ${JSON.stringify(value)}`,
  );
}

function authThrottle(input: ServerOptionsInput): AuthThrottleLimits {
  return Object.freeze({
    accountFailures: count('sign-in-failures', input.signInFailures, DEFAULT_AUTH_THROTTLE.accountFailures, 1, 1000),
    sourceFailures: count('source-failures', input.sourceFailures, DEFAULT_AUTH_THROTTLE.sourceFailures, 1, 100_000),
    lockoutSeconds: seconds('lockout', input.lockoutSeconds, DEFAULT_AUTH_THROTTLE.lockoutSeconds, 1),
  });
}

/** The log levels a server takes (pino's). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function notifyLiveness(value: string | undefined): NotifyLiveness {
  if (value === undefined || value === 'ping') return 'ping';
  if (value === 'tcp') return 'tcp';
  throw new SiteportError(
    'E_OPTION',
    `--notify-liveness must be ping (agents ping every keep-alive interval) or tcp (TCP keep-alive, no pings), got ${JSON.stringify(value)}`,
  );
}

function logLevel(value: string | undefined): string {
  if (value === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new SiteportError(
      'E_OPTION',
      `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * The host name clients use for this process's MP: the first `--public-host`, else the first
 * `--bind` address when they are specific ones, else this machine's host name.
 */
export function mpHost(options: Pick<ServerOptions, 'publicHosts' | 'bindHosts'>): string {
  const first = options.publicHosts[0] ?? options.bindHosts[0];
  return first === undefined || isWildcardBind([first]) ? os.hostname() : first;
}

/** Validates raw options, applies defaults in this one place, and freezes the result. */
export function parseServerOptions(input: ServerOptionsInput): ServerOptions {
  if (input.dataDir === undefined || input.dataDir === '') {
    throw new SiteportError(
      'E_OPTION',
      '--data DIR is required: the directory for the site database, keys and admin token',
    );
  }
  const role = parseRole(input);
  const alternate = (name: string, value: number | string | undefined): number | null =>
    value === undefined ? null : optionPort(name, value, 0);
  const options: ServerOptions = {
    role,
    dataDir: path.resolve(input.dataDir),
    databaseUrl: input.databaseUrl,
    siteCode: input.siteCode === undefined ? undefined : parseSiteCode(input.siteCode, '--site-code'),
    adminPort: optionPort('admin-port', input.adminPort, 8440),
    adminHost: input.adminHost ?? '127.0.0.1',
    adminAllowHosts: Object.freeze([...new Set((input.adminAllowHosts ?? []).map(allowHost))]),
    authThrottle: authThrottle(input),
    bindHosts: parseBindAddresses(input.bindHost),
    initialPorts: Object.freeze({
      http: optionPort('http-port', input.httpPort, DEFAULT_PORTS.http),
      httpAlternate: alternate('http-alternate-port', input.httpAlternatePort),
      https: optionPort('https-port', input.httpsPort, DEFAULT_PORTS.https),
      httpsAlternate: alternate('https-alternate-port', input.httpsAlternatePort),
      notification: optionPort('notification-port', input.notificationPort, DEFAULT_PORTS.notification),
      wake: optionPort('wake-port', input.wakePort, DEFAULT_PORTS.wake),
    }),
    policyIntervalSeconds: seconds('policy-interval', input.policyIntervalSeconds, 60, 1),
    activeWindowSeconds:
      input.activeWindowSeconds === undefined ? undefined : seconds('active-window', input.activeWindowSeconds, 0, 1),
    publicHosts: Object.freeze([...(input.publicHosts ?? [])]),
    logLevel: logLevel(input.logLevel),
    opsPort: input.opsPort === undefined ? undefined : optionPort('ops-port', input.opsPort, 0),
    opsHost: input.opsHost ?? '127.0.0.1',
    retention: Object.freeze({
      auditDays: days('audit-retention-days', input.auditRetentionDays, 365),
      rolloutDays: days('rollout-retention-days', input.rolloutRetentionDays, 90),
      retiredClientDays: days('retired-client-retention-days', input.retiredClientRetentionDays, 90),
    }),
    agentBundle: input.agentBundle === undefined ? DEFAULT_AGENT_BUNDLE : path.resolve(input.agentBundle),
    directoryTiming: Object.freeze({
      retryBaseMs: millis('directoryRetryBaseMs', input.directoryRetryBaseMs, 2000),
      retryMaxMs: millis('directoryRetryMaxMs', input.directoryRetryMaxMs, 60_000),
      timeoutMs: millis('directoryTimeoutMs', input.directoryTimeoutMs, 5000),
    }),
    parent: parentOptions(input),
    notifyKeepAliveSeconds: seconds('notify-keepalive', input.notifyKeepAliveSeconds, 60, 1),
    notifyLiveness: notifyLiveness(input.notifyLiveness),
    notifyOfflineSeconds: seconds('notify-offline-after', input.notifyOfflineSeconds, 300, 1),
    registryTiming: registryTiming(input),
    mpCertificate: mpCertificate(input),
    connections: connectionOptions(input),
    sourceLimits: Object.freeze({
      registrationsPerMinute: perMinute('registrations-per-source', input.registrationsPerSource, 60),
      sessionsPerMinute: perMinute('sessions-per-source', input.sessionsPerSource, 600),
    }),
    maxPendingClients: pendingCap(input.maxPendingClients),
  };
  return Object.freeze(options);
}
