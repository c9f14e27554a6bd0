import type { CommunicationMode, PortSettings } from '@siteport/protocol';

/**
 * Lifecycle of a port-change rollout:
 *
 *   scheduled ──────────────────┐
 *       │                       ▼
 *   validated ──► preflight ──► overlapping ──► finalized
 *       │             │              │
 *       └─────────────┴──► cancelled └──► rolling-back ──► rolled-back
 *   (scheduled ──► cancelled too)
 *
 * `scheduled`: checked and stored with a start time; the scheduler commits it when the time comes
 * (at boot when the server was down then), nothing is announced or opened before.
 * `validated`: checked and test-bound, nothing announced. `preflight`: the new ports are open in
 * probe mode and clients report whether they reach them. `overlapping`: the new ports are current
 * (policy announces them) and the old ones are still served. `finalized`: the old ports are closed.
 * `rolling-back`: the old ports are current again and the new ones are still served until the
 * clients that moved have come back. `rolled-back` and `cancelled`: over, nothing left open.
 */
export type RolloutState =
  'scheduled' | 'validated' | 'preflight' | 'overlapping' | 'rolling-back' | 'finalized' | 'rolled-back' | 'cancelled';

/** The states in which a rollout still holds listeners or blocks another port change. */
export const OPEN_STATES: readonly RolloutState[] = [
  'scheduled',
  'validated',
  'preflight',
  'overlapping',
  'rolling-back',
];

const TRANSITIONS: Record<RolloutState, readonly RolloutState[]> = {
  scheduled: ['overlapping', 'cancelled'],
  validated: ['preflight', 'overlapping', 'cancelled'],
  preflight: ['overlapping', 'cancelled'],
  overlapping: ['finalized', 'rolling-back'],
  'rolling-back': ['rolled-back'],
  finalized: [],
  'rolled-back': [],
  cancelled: [],
};

export function canMove(from: RolloutState, to: RolloutState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isOpen(state: RolloutState): boolean {
  return OPEN_STATES.includes(state);
}

/** A site's port settings together with its communication mode, as a rollout stores them. */
export interface SettingsSnapshot {
  settings: PortSettings;
  communicationMode: CommunicationMode;
}

/** How a rollout ended: why, and who was left behind. */
export interface RolloutOutcome {
  reason: 'all-moved' | 'deadline' | 'forced' | 'rolled-back' | 'cancelled';
  stranded: string[];
  by: string;
}

/** A rollout as stored. */
export interface Rollout {
  id: string;
  siteCode: string;
  state: RolloutState;
  old: SettingsSnapshot;
  next: SettingsSnapshot;
  oldVersion: number;
  newVersion: number | null;
  rollbackVersion: number | null;
  preflight: boolean;
  deadline: string;
  createdAt: string;
  createdBy: string;
  committedAt: string | null;
  endedAt: string | null;
  outcome: RolloutOutcome | null;
  /** When a `scheduled` rollout starts; null for one started by hand. */
  startsAt: string | null;
  /** The IANA zone the start was given in; null when it came with an offset only. */
  timeZone: string | null;
  /** Clients of windowed collections keep the old ports until one of their windows opens (decision 0114). */
  respectWindows: boolean;
}
