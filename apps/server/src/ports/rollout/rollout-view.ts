import type { RolloutView, WaitingClient } from '@siteport/protocol';
import type { ClientProgress } from './client-progress.js';
import type { Rollout } from './rollout-state.js';
import { formatInZone } from './zoned-time.js';

const portsOf = (s: Rollout['old']['settings']) => ({
  http: { ...s.http },
  https: { ...s.https },
  notification: s.notification,
});

/** Who a window-respecting rollout keeps on the old ports among the clients that have not moved (decision 0114). */
export type WaitingOf = (
  rollout: Rollout,
  progress: ClientProgress,
  now: Date,
) => Promise<{ clients: WaitingClient[]; count: number } | undefined>;

/** A scheduled start in UTC and in the zone it was given in, with the seconds left. */
function scheduleOf(rollout: Rollout, now: Date): RolloutView['schedule'] {
  if (rollout.startsAt === null) return null;
  const startsAt = new Date(rollout.startsAt);
  return {
    startsAt: rollout.startsAt,
    timeZone: rollout.timeZone,
    local: rollout.timeZone === null ? null : formatInZone(startsAt, rollout.timeZone),
    secondsUntilStart:
      rollout.state === 'scheduled' ? Math.max(0, Math.ceil((startsAt.getTime() - now.getTime()) / 1000)) : null,
  };
}

/** A rollout as the admin API shows it, with where the clients are. */
export function rolloutView(
  rollout: Rollout,
  progress: ClientProgress,
  now: Date,
  waiting?: { clients: WaitingClient[]; count: number },
): RolloutView {
  return {
    id: rollout.id,
    siteCode: rollout.siteCode,
    state: rollout.state,
    from: portsOf(rollout.old.settings),
    to: portsOf(rollout.next.settings),
    oldVersion: rollout.oldVersion,
    newVersion: rollout.newVersion,
    preflight: rollout.preflight,
    deadline: rollout.deadline,
    createdAt: rollout.createdAt,
    createdBy: rollout.createdBy,
    committedAt: rollout.committedAt,
    endedAt: rollout.endedAt,
    outcome: rollout.outcome,
    schedule: scheduleOf(rollout, now),
    progress: {
      total: progress.moved.length + progress.remaining.length + progress.inactive.length,
      moved: progress.moved.length,
      onOldPorts: progress.remaining.length,
      inactive: progress.inactive.length,
    },
    ...(rollout.respectWindows
      ? { respectWindows: true, waiting: waiting?.clients ?? [], waitingCount: waiting?.count ?? 0 }
      : {}),
  };
}
