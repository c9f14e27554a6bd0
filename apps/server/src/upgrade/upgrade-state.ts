/**
 * Lifecycle of an agent upgrade rollout:
 *
 *   pending ──► canary ──► waiting ──► rest ──► complete
 *                 │           │          │
 *                 └───────────┴────┬─────┘
 *                                  ▼
 *                               halted ──► (resume: the wave it halted in)
 *   any open state ──► rolled-back
 *
 * `pending`: created, no client offered yet. `canary`: the canary wave is offered the version.
 * `waiting`: every canary client has answered; the rollout waits for the administrator to advance
 * (or advances by itself when `autoAdvance` is set and the failure rate is under the threshold).
 * `rest`: every other selected client is offered the version. `complete`: every offered client
 * answered. `halted`: the failure rate passed the threshold or an administrator halted it; nobody
 * new is offered the version until it is resumed. `rolled-back`: the offer is withdrawn and every
 * upgraded client is offered its previous version.
 */
export type UpgradeState = 'pending' | 'canary' | 'waiting' | 'rest' | 'complete' | 'halted' | 'rolled-back';

/** The waves a client can belong to. */
export type UpgradeWave = 'canary' | 'rest';

const TRANSITIONS: Record<UpgradeState, readonly UpgradeState[]> = {
  pending: ['canary', 'rolled-back'],
  canary: ['waiting', 'halted', 'rolled-back'],
  waiting: ['rest', 'halted', 'rolled-back'],
  rest: ['complete', 'halted', 'rolled-back'],
  halted: ['canary', 'rest', 'rolled-back'],
  complete: ['rolled-back'],
  'rolled-back': [],
};

/** Whether an upgrade may move from one state to another. */
export function canMoveUpgrade(from: UpgradeState, to: UpgradeState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states in which the version is offered to the clients of the given wave. */
export function offeredWaves(state: UpgradeState): readonly UpgradeWave[] {
  switch (state) {
    case 'canary':
    case 'waiting':
      return ['canary'];
    case 'rest':
    case 'complete':
      return ['canary', 'rest'];
    case 'pending':
    case 'halted':
    case 'rolled-back':
      return [];
  }
}

/** Whether the upgrade still offers or may offer its version (one open upgrade per site at a time). */
export function isUpgradeOpen(state: UpgradeState): boolean {
  return state !== 'complete' && state !== 'rolled-back';
}
