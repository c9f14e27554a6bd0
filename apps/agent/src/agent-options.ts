import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  MAX_POLL_WAIT_SECONDS,
  SAFE_POLL_WAIT_SECONDS,
  SITEPORT_VERSION,
  SiteportError,
  isClientHostName,
  isStateDirPath,
} from '@siteport/protocol';
import type { LogLevel } from './logger.js';
import { DEFAULT_POLL_WAIT_SECONDS } from './notify/notification-client.js';

/** Options of the client agent daemon. */
export interface AgentOptions {
  /** The client state directory written by `siteport setup`. */
  stateDir: string;
  /** Log level of the default logger. @default 'info' */
  logLevel?: LogLevel;
  /** A logger to use instead of the default one (pino to stderr). */
  logger?: Logger;
  /** Connect + response timeout of one request attempt. @default 5000 */
  requestTimeoutMs?: number;
  /** How long a fallback endpoint stays preferred before the default is tried again. @default 300000 */
  retryDefaultAfterMs?: number;
  /** Time between cycles instead of the policy interval (tests). */
  intervalOverrideMs?: number;
  /** Delay before the first cycle. @default 0 */
  firstDelayMs?: number;
  /** Ceiling of the first retry delay after an unreachable cycle (full jitter); doubles up to the cycle interval. @default 1000 */
  retryBaseMs?: number;
  /** How long stop() waits for the request in flight before closing its socket. @default 5000 */
  stopTimeoutMs?: number;
  /** Host name reported to the site. @default os.hostname() */
  hostname?: string;
  /** DNS servers (`host:port`) for the SRV lookup instead of the system's. @default [] */
  dnsServers?: string[];
  /** Timeout of one directory or DNS lookup. @default 5000 */
  lookupTimeoutMs?: number;
  /** Keep a notification channel (TCP, long-poll fallback). @default true */
  notify?: boolean;
  /** While on the long-poll, how often the notification port is tried again. @default 60000 */
  notifyRetryTcpMs?: number;
  /** How long one long-poll waits on the MP, in seconds (0–300); a poll cut on the way falls back to 50 s. @default 110 */
  notifyPollWaitSeconds?: number;
  /** Ceiling of the first reconnect delay of the notification channel (full jitter, doubling). @default 1000 */
  notifyReconnectBaseMs?: number;
  /** The poll wait the agent falls back to after a long-poll was cut on the way, in seconds. @default 50 */
  notifySafePollWaitSeconds?: number;
  /** How long a newly installed agent version has to reach an MP before its launcher rolls it back. @default 600000 */
  upgradeTrialMs?: number;
  /** Called when the agent installed a new version and its launcher should start it (the process then exits 75). */
  onRestart?: () => void;
}

/** {@link AgentOptions} with every default applied. */
export interface ResolvedAgentOptions {
  readonly stateDir: string;
  readonly logLevel: LogLevel;
  readonly logger: Logger | undefined;
  readonly requestTimeoutMs: number;
  readonly retryDefaultAfterMs: number;
  readonly intervalOverrideMs: number | undefined;
  readonly firstDelayMs: number;
  readonly retryBaseMs: number;
  readonly stopTimeoutMs: number;
  readonly hostname: string;
  readonly dnsServers: readonly string[];
  readonly lookupTimeoutMs: number;
  readonly notify: boolean;
  readonly notifyRetryTcpMs: number;
  readonly notifyPollWaitSeconds: number;
  readonly notifyReconnectBaseMs: number;
  readonly notifySafePollWaitSeconds: number;
  readonly upgradeTrialMs: number;
  readonly onRestart: (() => void) | undefined;
}

/** Stamped into a release build of the offline bundle (`buildAgentBundle(dir, { version })`). */
declare const __SITEPORT_AGENT_VERSION__: string | undefined;

/** Version the agent reports at registration, in heartbeats and upgrade reports: the build's stamp, else siteport's. */
export const AGENT_VERSION: string =
  typeof __SITEPORT_AGENT_VERSION__ === 'string' ? __SITEPORT_AGENT_VERSION__ : SITEPORT_VERSION;

function duration(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new SiteportError(
      'E_OPTION',
      `${name} must be a whole number of milliseconds ≥ ${min}, got ${String(value)}`,
    );
  }
  return value;
}

function pollWait(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > MAX_POLL_WAIT_SECONDS) {
    throw new SiteportError(
      'E_OPTION',
      `${name} must be a whole number of seconds from 0 to ${MAX_POLL_WAIT_SECONDS}, got ${String(value)}`,
    );
  }
  return value;
}

/** Validates options and applies defaults in one place; the result is frozen. */
export function resolveAgentOptions(options: AgentOptions): ResolvedAgentOptions {
  if (typeof options.stateDir !== 'string' || options.stateDir.length === 0) {
    throw new SiteportError('E_OPTION', 'stateDir is required: pass --state DIR');
  }
  // The site accepts only these (heartbeats report both); refusing here says why at once.
  if (!isStateDirPath(path.resolve(options.stateDir))) {
    throw new SiteportError(
      'E_OPTION',
      'the state directory path must be at most 1024 characters of letters, digits, space and / . _ - + @ % , : = ~ (the site refuses others); pass another --state DIR',
    );
  }
  const host = options.hostname ?? hostname();
  if (!isClientHostName(host)) {
    throw new SiteportError(
      'E_OPTION',
      `the host name ${JSON.stringify(host)} is not a DNS name (letters, digits, hyphens, dots; at most 253 characters), which the site requires; give the host a DNS name, or pass --hostname NAME to siteport-agent`,
    );
  }
  return Object.freeze({
    stateDir: options.stateDir,
    logLevel: options.logLevel ?? 'info',
    logger: options.logger,
    requestTimeoutMs: duration('requestTimeoutMs', options.requestTimeoutMs, 5000, 1),
    retryDefaultAfterMs: duration('retryDefaultAfterMs', options.retryDefaultAfterMs, 5 * 60 * 1000),
    intervalOverrideMs:
      options.intervalOverrideMs === undefined
        ? undefined
        : duration('intervalOverrideMs', options.intervalOverrideMs, 0, 1),
    firstDelayMs: duration('firstDelayMs', options.firstDelayMs, 0),
    retryBaseMs: duration('retryBaseMs', options.retryBaseMs, 1000, 1),
    stopTimeoutMs: duration('stopTimeoutMs', options.stopTimeoutMs, 5000),
    hostname: host,
    dnsServers: Object.freeze([...(options.dnsServers ?? [])]),
    lookupTimeoutMs: duration('lookupTimeoutMs', options.lookupTimeoutMs, 5000, 1),
    notify: options.notify ?? true,
    notifyRetryTcpMs: duration('notifyRetryTcpMs', options.notifyRetryTcpMs, 60_000, 1),
    notifyPollWaitSeconds: pollWait(options.notifyPollWaitSeconds, DEFAULT_POLL_WAIT_SECONDS, 'notifyPollWaitSeconds'),
    notifyReconnectBaseMs: duration('notifyReconnectBaseMs', options.notifyReconnectBaseMs, 1000, 1),
    notifySafePollWaitSeconds: pollWait(
      options.notifySafePollWaitSeconds,
      SAFE_POLL_WAIT_SECONDS,
      'notifySafePollWaitSeconds',
    ),
    upgradeTrialMs: duration('upgradeTrialMs', options.upgradeTrialMs, 10 * 60 * 1000, 1),
    onRestart: options.onRestart,
  });
}
