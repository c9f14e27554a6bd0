import { SiteportError } from '@siteport/protocol';
import type { ConnectionOptions } from '../net/index.js';
import { openFileLimit } from '../os/index.js';
import type { ServerOptionsInput } from './server-options-input.js';
import { count, seconds } from './option-values.js';

/** Descriptors kept free of every listener's cap: database, log, files, pipes, outgoing connections (LDAP, SSH, peers). */
const RESERVED_DESCRIPTORS = 512;
/** Open-file limit assumed where the process's own cannot be read. */
const ASSUMED_OPEN_FILE_LIMIT = 20_000;

/** Timeouts and connection caps of every listener (decision 0091), checked against the open-file limit. */
export function connectionOptions(input: ServerOptionsInput): ConnectionOptions {
  const handshakeTimeoutMs = seconds('tls-handshake-timeout', input.tlsHandshakeTimeoutSeconds, 10, 1) * 1000;
  const headersTimeoutMs = seconds('headers-timeout', input.headersTimeoutSeconds, 10, 1) * 1000;
  const requestTimeoutMs = seconds('request-timeout', input.requestTimeoutSeconds, 30, 1) * 1000;
  const keepAliveTimeoutMs = seconds('keep-alive-timeout', input.keepAliveTimeoutSeconds, 65, 1) * 1000;
  for (const [name, ms] of [
    ['tls-handshake-timeout', handshakeTimeoutMs],
    ['headers-timeout', headersTimeoutMs],
  ] as const) {
    if (ms > 300_000) throw new SiteportError('E_OPTION', `--${name} must be from 1 to 300 seconds, got ${ms / 1000}`);
  }
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new SiteportError(
      'E_OPTION',
      `--headers-timeout (${headersTimeoutMs / 1000} s) must not be longer than --request-timeout (${requestTimeoutMs / 1000} s), which covers the headers too`,
    );
  }
  const limit = input.openFileLimit ?? openFileLimit() ?? ASSUMED_OPEN_FILE_LIMIT;
  const maxAdminConnections = count('max-admin-connections', input.maxAdminConnections, 128, 2);
  const room = limit - maxAdminConnections - RESERVED_DESCRIPTORS;
  const maxClientConnections = count('max-client-connections', input.maxClientConnections, room, 1);
  if (room < 1 || maxClientConnections > room) {
    throw new SiteportError(
      'E_OPTION',
      `this process may open ${limit} files; ${maxClientConnections} client connections + ${maxAdminConnections} admin connections + ${RESERVED_DESCRIPTORS} kept for the database and files do not fit: ` +
        (room >= 1
          ? `lower --max-client-connections to ${room} or less, or raise the open-file limit (ulimit -n, systemd LimitNOFILE)`
          : 'raise the open-file limit (ulimit -n, systemd LimitNOFILE)'),
    );
  }
  return Object.freeze({
    handshakeTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    maxClientConnections,
    // One source never takes the whole budget by default, even under a small open-file limit.
    maxConnectionsPerSource: count(
      'max-connections-per-source',
      input.maxConnectionsPerSource,
      Math.max(1, Math.min(1000, Math.floor(maxClientConnections / 4))),
      1,
    ),
    maxAdminConnections,
    maxAdminConnectionsPerSource: Math.max(1, Math.floor(maxAdminConnections / 2)),
  });
}
