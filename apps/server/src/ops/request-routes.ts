import { CLIENT_SESSION_PATH, MP_PREFIX, POLL_PATH } from '@siteport/protocol';

/** The route label of each client-facing path an MP serves (a fixed set: labels never come from a request). */
const ROUTES: ReadonlyMap<string, string> = new Map([
  [`${MP_PREFIX}/policy`, 'policy'],
  [`${MP_PREFIX}/heartbeat`, 'heartbeat'],
  [`${MP_PREFIX}/register`, 'register'],
  [CLIENT_SESSION_PATH, 'session'],
  [POLL_PATH, 'poll'],
  [`${MP_PREFIX}/inventory`, 'inventory'],
  [`${MP_PREFIX}/probe`, 'probe'],
  [`${MP_PREFIX}/probe-report`, 'probe-report'],
  [`${MP_PREFIX}/ca`, 'ca'],
]);

/**
 * The metrics label of a request on an MP listener: its MP endpoint, `mp-other` for another path
 * under the MP prefix, `web` for anything else (the default web site's applications). Bounded, so
 * a client sending random paths cannot grow the metrics.
 */
export function requestRoute(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return ROUTES.get(path) ?? (path === MP_PREFIX || path.startsWith(`${MP_PREFIX}/`) ? 'mp-other' : 'web');
}
