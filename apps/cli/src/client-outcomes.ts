import { type ErrorCode, SiteportError } from '@siteport/protocol';
import { type AdminConnectionOptions, nextCommand } from './admin-client.js';

/** One client's line of a per-client admin result (notify, wake). */
export interface ClientOutcome {
  clientId: string;
  outcome: string;
}

/** How many client ids a message names before "and N more". */
const NAMED = 5;

function named(ids: readonly string[]): string {
  const shown = ids.slice(0, NAMED).join(', ');
  return ids.length > NAMED ? `${shown} and ${ids.length - NAMED} more` : shown;
}

/**
 * Ends a per-client admin command with the right failure when some clients were not reached:
 * ids the site does not know are named as such (`E_CLIENT_NOT_FOUND`, with where to look them
 * up); the others are named with their outcome under `code`. Nothing is thrown when all went well.
 */
export function refuseFailed(
  results: readonly ClientOutcome[],
  ok: (outcome: string) => boolean,
  failure: { code: ErrorCode; verb: string },
  options: AdminConnectionOptions,
): void {
  const failed = results.filter((r) => !ok(r.outcome));
  if (failed.length === 0) return;
  const unknown = failed.filter((r) => r.outcome === 'unknown-client').map((r) => r.clientId);
  const others = failed.filter((r) => r.outcome !== 'unknown-client');
  const notClients = `${named(unknown)} ${unknown.length === 1 ? 'is not a client' : 'are not clients'} of this site (see ${nextCommand(options, 'clients', 'list')})`;
  if (others.length === 0) throw new SiteportError('E_CLIENT_NOT_FOUND', notClients);
  const reasons = `${others.length} of ${results.length} clients ${failure.verb}: ${named(others.map((r) => `${r.clientId} (${r.outcome})`))}`;
  throw new SiteportError(failure.code, unknown.length === 0 ? reasons : `${reasons}; ${notClients}`);
}
