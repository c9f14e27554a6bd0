import { type PortSettings, SiteportError, requestEndpoints } from '@siteport/protocol';
import { type ClientRecord, isActive } from '../../clients/index.js';
import type { Rollout } from './rollout-state.js';

/** Where each client stands in a rollout that moves clients from `from` to `to` (version `version`). */
export interface ClientProgress {
  moved: ClientRecord[];
  remaining: ClientRecord[];
  inactive: ClientRecord[];
}

const keys = (s: PortSettings): Set<string> => new Set(requestEndpoints(s).map((e) => `${e.protocol}:${e.port}`));

/**
 * A client has moved when it reported the target settings version and its last contact was not on
 * a port that goes away. Active clients that have not moved keep the old ports open; inactive ones
 * do not (they are the ones a forced or timed-out finalize strands).
 */
function clientProgress(
  clients: readonly ClientRecord[],
  from: PortSettings,
  to: PortSettings,
  version: number,
  activeWindowSeconds: number,
  now: Date,
): ClientProgress {
  const target = keys(to);
  const goingAway = [...keys(from)].filter((k) => !target.has(k));
  const progress: ClientProgress = { moved: [], remaining: [], inactive: [] };
  for (const c of clients) {
    const onOld = c.lastContact !== null && goingAway.includes(`${c.lastContact.protocol}:${c.lastContact.port}`);
    const confirmed = c.settingsVersion >= version && !onOld;
    if (confirmed) progress.moved.push(c);
    else if (isActive(c, activeWindowSeconds, now)) progress.remaining.push(c);
    else progress.inactive.push(c);
  }
  return progress;
}

/**
 * Where the clients stand in a rollout: moving from the old ports to the new ones, or while it
 * rolls back from the new ones to the old (then confirmed by the roll-back version).
 */
export function rolloutProgress(
  rollout: Pick<Rollout, 'state' | 'old' | 'next' | 'newVersion' | 'rollbackVersion'>,
  clients: readonly ClientRecord[],
  activeWindowSeconds: number,
  now: Date,
): ClientProgress {
  const back = rollout.state === 'rolling-back' || rollout.state === 'rolled-back';
  const version = (back ? rollout.rollbackVersion : rollout.newVersion) ?? Number.MAX_SAFE_INTEGER;
  return back
    ? clientProgress(clients, rollout.next.settings, rollout.old.settings, version, activeWindowSeconds, now)
    : clientProgress(clients, rollout.old.settings, rollout.next.settings, version, activeWindowSeconds, now);
}

/** The refusal of a finalize while active clients still talk on the ports that would close. */
export function clientsRemain(remaining: readonly ClientRecord[]): SiteportError {
  return new SiteportError(
    'E_CLIENTS_REMAIN',
    `${remaining.length} active client(s) still talk on the ports that would close (${remaining
      .slice(0, 5)
      .map((c) => c.hostname)
      .join(', ')}${remaining.length > 5 ? ', …' : ''}); wait, or finalize with force to strand them`,
    { details: { clients: remaining.map((c) => c.id) } },
  );
}
