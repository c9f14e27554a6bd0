import path from 'node:path';
import { SiteportError } from '@siteport/protocol';

/** Options of `siteport demo`, validated once. */
export interface DemoOptions {
  /** Where the demo keeps its site and client state dirs. @default ./demo-data */
  readonly dataDir: string;
  /** Number of agent processes. @default 3 */
  readonly clients: number;
  /** First of the fixed demo ports: HTTP base, HTTP alternate base+1, HTTPS base+363, HTTPS alternate base+364. @default 18080 */
  readonly portBase: number;
  /** Admin API port. @default 18440 */
  readonly adminPort: number;
  /** Policy interval of the demo site, short so that activity shows. @default 10 */
  readonly policyIntervalSeconds: number;
  /** Stop by itself after this many seconds (for tests); 0 runs until Ctrl-C. @default 0 */
  readonly durationSeconds: number;
}

function whole(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function parseDemoOptions(
  raw: Partial<Record<'data' | 'clients' | 'portBase' | 'adminPort' | 'policyInterval' | 'duration', string>>,
): DemoOptions {
  return Object.freeze({
    dataDir: path.resolve(raw.data ?? 'demo-data'),
    clients: whole('clients', raw.clients, 3, 1, 50),
    portBase: whole('port-base', raw.portBase, 18080, 1024, 65000),
    adminPort: whole('admin-port', raw.adminPort, 18440, 0, 65535),
    policyIntervalSeconds: whole('policy-interval', raw.policyInterval, 10, 1, 3600),
    durationSeconds: whole('duration', raw.duration, 0, 0, 86400),
  });
}
