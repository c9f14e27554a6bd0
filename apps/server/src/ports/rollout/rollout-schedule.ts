import type { ClientProgress } from './client-progress.js';
import type { Rollout, RolloutOutcome, RolloutState } from './rollout-state.js';

/** What a scheduled start writes into its audit entry. */
export type StartDetails = {
  rolloutId: string;
  startsAt: string;
  timeZone: string | null;
  lateSeconds: number;
  /** The start time fell before the server's boot: it starts at boot. */
  missedWhileDown: boolean;
  note?: string;
};

/** Which scheduled rollouts start now, with their audit details, and how long until the next later start. */
export interface SchedulePlan {
  due: { rollout: Rollout; details: StartDetails }[];
  /** Milliseconds until the earliest start still ahead; null when none is. */
  nextInMs: number | null;
}

/** The scheduled rollouts among `open` that are due at `now`, for a service that booted at `bootedAt`. */
export function schedulePlan(open: readonly Rollout[], now: Date, bootedAt: number): SchedulePlan {
  const at = now.getTime();
  const scheduled = open.filter(
    (r): r is Rollout & { startsAt: string } => r.state === 'scheduled' && r.startsAt !== null,
  );
  const ahead = scheduled.map((r) => Date.parse(r.startsAt) - at).filter((ms) => ms > 0);
  return {
    due: scheduled
      .filter((r) => Date.parse(r.startsAt) <= at)
      .map((rollout) => {
        const startsAt = Date.parse(rollout.startsAt);
        const missed = startsAt < bootedAt;
        return {
          rollout,
          details: {
            rolloutId: rollout.id,
            startsAt: rollout.startsAt,
            timeZone: rollout.timeZone,
            lateSeconds: Math.max(0, Math.round((at - startsAt) / 1000)),
            missedWhileDown: missed,
            ...(missed ? { note: 'the server was not running at the start time; started at boot' } : {}),
          },
        };
      }),
    nextInMs: ahead.length === 0 ? null : Math.min(...ahead),
  };
}

/**
 * How an overlapping or rolling-back rollout ends at `now`, or null while it stays open: at its
 * deadline whoever is left is stranded; before, once no active client is left on the ports that
 * close. Every client gets at least one policy interval to hear of the change, and after a restart
 * one active window to check in again: clients the server could not hear while it was down are
 * not gone.
 */
export function overlapEnd(
  rollout: Rollout,
  progress: ClientProgress,
  site: { policyIntervalSeconds: number; activeWindowSeconds: number },
  now: number,
  bootedAt: number,
): { state: RolloutState; outcome: RolloutOutcome } | null {
  const state: RolloutState = rollout.state === 'rolling-back' ? 'rolled-back' : 'finalized';
  const stranded = [...progress.remaining, ...progress.inactive].map((c) => c.id);
  if (now >= Date.parse(rollout.deadline)) return { state, outcome: { reason: 'deadline', stranded, by: 'siteport' } };
  const since = Date.parse(rollout.committedAt ?? rollout.createdAt);
  const heardEveryone = now - bootedAt >= site.activeWindowSeconds * 1000;
  if (progress.remaining.length === 0 && heardEveryone && now - since >= site.policyIntervalSeconds * 1000) {
    return {
      state,
      outcome: { reason: state === 'rolled-back' ? 'rolled-back' : 'all-moved', stranded, by: 'siteport' },
    };
  }
  return null;
}
