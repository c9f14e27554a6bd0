import type { RolloutView } from '@siteport/protocol';
import type { ClientProgress } from './client-progress.js';
import type { Rollout } from './rollout-state.js';

const portsOf = (s: Rollout['old']['settings']) => ({
  http: { ...s.http },
  https: { ...s.https },
  notification: s.notification,
});

/** A rollout as the admin API shows it, with where the clients are. */
export function rolloutView(rollout: Rollout, progress: ClientProgress): RolloutView {
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
    progress: {
      total: progress.moved.length + progress.remaining.length + progress.inactive.length,
      moved: progress.moved.length,
      onOldPorts: progress.remaining.length,
      inactive: progress.inactive.length,
    },
  };
}
