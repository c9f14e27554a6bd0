import type { WaitingClient } from '@siteport/protocol';
import { formatInZone } from '../ports/index.js';
import { type PreparedSubject, type RuleSubject, prepareSubject } from './collection-rules.js';
import { visitInSlices } from './slices.js';
import { type WeeklyWindow, openings } from './window-time.js';

/** A collection with windows, its rule compiled. */
export interface WindowedCollection {
  name: string;
  matches: (subject: PreparedSubject) => boolean;
  windows: readonly WeeklyWindow[];
}

/** A client held on the old ports until `releaseAt` (epoch ms; Infinity: no opening in the horizon). */
export interface Hold {
  clientId: string;
  hostname: string;
  collection: string;
  window: WeeklyWindow | null;
  releaseAt: number;
}

const HORIZON_MS = 8 * 24 * 60 * 60 * 1000;

/** When a collection's clients may move: the first instant at or after `since` one of its windows is open. */
function releaseOf(
  collection: WindowedCollection,
  since: number,
  now: number,
): { at: number; window: WeeklyWindow | null } {
  let best: { at: number; window: WeeklyWindow | null } = { at: Infinity, window: null };
  for (const window of collection.windows) {
    const first = openings(window, since, Math.max(since, now) + HORIZON_MS).find((o) => o.closesAt > since);
    if (first === undefined) continue;
    const at = Math.max(first.opensAt, since);
    if (at < best.at) best = { at, window };
  }
  return best;
}

/**
 * Who a window-respecting rollout committed at `since` still holds at `now`: every client in at
 * least one collection with windows, none of whose windows has been open since the commit. A client
 * in several windowed collections moves in the first window of any of them; a client in none is
 * not held. The per-collection release is computed once and each client parsed once, so the cost
 * is clients × collections membership tests, run in slices that let other requests through.
 */
export async function holdPlan(
  collections: readonly WindowedCollection[],
  clients: readonly RuleSubject[],
  since: number,
  now: number,
): Promise<Hold[]> {
  const windowed = collections
    .filter((c) => c.windows.length > 0)
    .map((c) => ({ collection: c, release: releaseOf(c, since, now) }));
  if (windowed.length === 0) return [];
  const holds: Hold[] = [];
  await visitInSlices(clients, (subject) => {
    const client = prepareSubject(subject);
    let hold: Hold | undefined;
    for (const { collection, release } of windowed) {
      if (!collection.matches(client)) continue;
      if (hold === undefined || release.at < hold.releaseAt) {
        hold = {
          clientId: client.id,
          hostname: client.hostname,
          collection: collection.name,
          window: release.window,
          releaseAt: release.at,
        };
      }
    }
    if (hold !== undefined && hold.releaseAt > now) holds.push(hold);
  });
  return holds;
}

/** A hold as the rollout view lists it. */
export function waitingClient(hold: Hold): WaitingClient {
  const finite = Number.isFinite(hold.releaseAt);
  return {
    clientId: hold.clientId,
    hostname: hold.hostname,
    collection: hold.collection,
    windowId: hold.window?.id ?? null,
    opensAt: finite ? new Date(hold.releaseAt).toISOString() : null,
    local: finite && hold.window !== null ? formatInZone(new Date(hold.releaseAt), hold.window.timeZone) : null,
    timeZone: hold.window?.timeZone ?? null,
  };
}
