import { MP_ROLES, type MpRole, SiteportError } from '@siteport/protocol';
import type { RegistryTiming } from '../cluster/index.js';
import type { ServerOptionsInput } from './server-options-input.js';
import { millis } from './option-values.js';

/* `--role` and the timing of the MP processes of a site: registry heartbeat, MP certificate renewal. */

export function parseRole(input: ServerOptionsInput): MpRole {
  const role = input.role ?? 'site';
  if (!(MP_ROLES as readonly string[]).includes(role))
    throw new SiteportError('E_OPTION', `--role must be site or mp, got ${JSON.stringify(role)}`);
  if (role === 'site') return 'site';
  if (input.databaseUrl === undefined || !/^postgres(ql)?:\/\//.test(input.databaseUrl)) {
    throw new SiteportError(
      'E_OPTION',
      '--role mp needs --db postgres://…: additional management points share the site database, which only PostgreSQL allows; the embedded SQLite database belongs to one site server',
    );
  }
  if (input.parentUrl !== undefined) {
    throw new SiteportError(
      'E_OPTION',
      '--role mp takes no --parent: an MP process follows its site through the shared database; give --parent to the site server',
    );
  }
  return 'mp';
}

export function mpCertificate(input: ServerOptionsInput): { readonly lifetimeMs: number; readonly checkMs: number } {
  const lifetimeMs = input.mpCertificateLifetimeMs ?? 397 * 24 * 3_600_000;
  if (!Number.isInteger(lifetimeMs) || lifetimeMs < 3000 || lifetimeMs > 825 * 24 * 3_600_000) {
    throw new SiteportError(
      'E_OPTION',
      `mpCertificateLifetimeMs must be a whole number of milliseconds from 3000 to 825 days, got ${String(lifetimeMs)}`,
    );
  }
  return Object.freeze({ lifetimeMs, checkMs: millis('mpCertificateCheckMs', input.mpCertificateCheckMs, 3_600_000) });
}

export function registryTiming(input: ServerOptionsInput): RegistryTiming {
  const heartbeatMs = millis('mpHeartbeatMs', input.mpHeartbeatMs, 5000);
  const staleAfterMs = millis('mpStaleMs', input.mpStaleMs, heartbeatMs * 3);
  if (staleAfterMs <= heartbeatMs)
    throw new SiteportError(
      'E_OPTION',
      `mpStaleMs (${staleAfterMs}) must be longer than mpHeartbeatMs (${heartbeatMs})`,
    );
  return Object.freeze({ heartbeatMs, staleAfterMs });
}
