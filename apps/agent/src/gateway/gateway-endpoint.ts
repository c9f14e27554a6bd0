import { CLIENT_SESSION_PATH, MP_PREFIX, type Policy, isHostName } from '@siteport/protocol';
import type { ClientConfig } from '../client-config.js';

/** The site's gateway as `client.json` keeps it (decision 0113). */
export interface ClientGateway {
  host: string;
  port: number;
}

/**
 * Paths a gateway does not relay (it refuses them): probes, client sessions, notification
 * long-polls, and reachability and pre-flight reports (they describe the client's network; through
 * the gateway the MP would file them under the gateway's subnet).
 */
const NOT_RELAYED: ReadonlySet<string> = new Set([
  `${MP_PREFIX}/probe`,
  CLIENT_SESSION_PATH,
  `${MP_PREFIX}/notify/poll`,
  `${MP_PREFIX}/reachability`,
  `${MP_PREFIX}/probe-report`,
]);

/** Whether a request with this path (and query) may go through the gateway. */
export function relayedByGateway(path: string): boolean {
  const query = path.indexOf('?');
  return !NOT_RELAYED.has(query < 0 ? path : path.slice(0, query));
}

/**
 * The gateway endpoint, tried after every direct management point endpoint: HTTPS only (its
 * certificate is issued by the site CA the client pinned), never for an HTTP-only client.
 */
export function gatewayEndpoint(
  config: ClientConfig,
): { host: string; protocol: 'https'; port: number; role: 'gateway' } | undefined {
  const gateway = config.gateway;
  if (gateway === undefined || gateway === null || config.httpOnly) return undefined;
  return { host: gateway.host, protocol: 'https', port: gateway.port, role: 'gateway' };
}

/** Takes the gateway a policy announces (or its absence) into the configuration; the same object when unchanged. */
export function adoptGateway(config: ClientConfig, policy: Policy): ClientConfig {
  const next = policy.gateway === undefined ? null : { host: policy.gateway.host, port: policy.gateway.port };
  const now = config.gateway ?? null;
  if (now?.host === next?.host && now?.port === next?.port) return config;
  return { ...config, gateway: next };
}

/** Why a `gateway` in client.json is malformed, or null. */
export function gatewayConfigProblem(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return 'gateway is invalid';
  const { host, port } = value as Record<string, unknown>;
  if (typeof host !== 'string' || !isHostName(host)) return 'gateway host is invalid';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'gateway port is invalid';
  return null;
}
