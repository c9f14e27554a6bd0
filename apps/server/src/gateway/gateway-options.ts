import { SiteportError, isHostName, parseSiteCode } from '@siteport/protocol';

/** What `siteport gateway run` takes, checked once. */
export interface GatewayOptions {
  /** Admin URL of the site server. */
  server: string;
  token: string;
  /** Site CA (PEM) the admin listener is checked with; not needed for a loopback http:// admin URL. */
  ca: string | undefined;
  siteCode: string;
  /** Address the public listener binds. @default 0.0.0.0 */
  listenHost: string;
  /** Public port; 0 picks a free one (tests). @default 443 */
  port: number;
  /** Open connections at once; more are closed at accept. @default 10000 */
  maxConnections: number;
  /** Largest request body relayed, bytes. @default 65536 */
  maxBodyBytes: number;
  /** Requests relayed at once. @default 256 */
  maxConcurrent: number;
  /** Timeout of one relayed request, ms. @default 30000 */
  upstreamTimeoutMs: number;
  /** How often the MP endpoints are read from the site, ms. @default 5000 */
  refreshMs: number;
  /** How long a client's key and status are held, ms. @default 30000 */
  keyTtlMs: number;
  /** Registrations relayed per source address and minute. @default 30 */
  registrationsPerMinute: number;
}

export type GatewayOptionsInput = Partial<GatewayOptions> & Pick<GatewayOptions, 'server' | 'token' | 'siteCode'>;

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function whole(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SiteportError('E_VALIDATION', `${name} must be a whole number from ${min} to ${max}, not ${String(v)}`, {
      details: { field: name },
    });
  }
  return v;
}

/** Checks every gateway option once; a bad one is E_VALIDATION naming the option and its range. */
export function parseGatewayOptions(input: GatewayOptionsInput): GatewayOptions {
  let server: URL;
  try {
    server = new URL(input.server);
  } catch {
    throw new SiteportError('E_VALIDATION', `--server must be the site server's admin URL, not ${input.server}`);
  }
  if (server.protocol !== 'https:' && !(server.protocol === 'http:' && LOOPBACK.has(server.hostname))) {
    throw new SiteportError(
      'E_VALIDATION',
      '--server must be an https:// URL (http:// only on this host): the gateway token never goes in clear over a network',
    );
  }
  if (input.token.trim() === '') throw new SiteportError('E_VALIDATION', 'the gateway token is empty');
  if (server.protocol === 'https:' && !(input.ca ?? '').includes('BEGIN CERTIFICATE')) {
    throw new SiteportError('E_VALIDATION', '--ca-file must hold the site CA (PEM) to check the https:// site server');
  }
  const listenHost = input.listenHost ?? '0.0.0.0';
  if (!isHostName(listenHost)) throw new SiteportError('E_VALIDATION', `--listen ${listenHost} is not an address`);
  return {
    server: server.origin,
    token: input.token.trim(),
    ca: input.ca,
    siteCode: parseSiteCode(input.siteCode, '--site'),
    listenHost,
    port: whole('--port', input.port, 443, 0, 65535),
    maxConnections: whole('--max-connections', input.maxConnections, 10_000, 1, 1_000_000),
    maxBodyBytes: whole('--max-body-bytes', input.maxBodyBytes, 65_536, 1024, 16 * 1024 * 1024),
    maxConcurrent: whole('--max-concurrent', input.maxConcurrent, 256, 1, 100_000),
    upstreamTimeoutMs: whole('--upstream-timeout-ms', input.upstreamTimeoutMs, 30_000, 100, 600_000),
    refreshMs: whole('--refresh-ms', input.refreshMs, 5_000, 100, 3_600_000),
    keyTtlMs: whole('--key-ttl-ms', input.keyTtlMs, 30_000, 0, 3_600_000),
    registrationsPerMinute: whole('--registrations-per-minute', input.registrationsPerMinute, 30, 0, 1_000_000),
  };
}
