import { randomUUID } from 'node:crypto';
import { type PortChange, SiteportError } from '@siteport/protocol';
import type { PreparedChange } from '../port-settings-service.js';
import type { Rollout } from './rollout-state.js';
import { type ResolvedStart, type StartSpec, resolveStart } from './zoned-time.js';

/** Default time after which an overlap closes even if active clients have not moved. */
export const DEFAULT_DEADLINE_SECONDS = 24 * 60 * 60;
export const MAX_DEADLINE_SECONDS = 30 * 24 * 60 * 60;

/** Options of a proposed rollout. */
export interface ProposeOptions {
  preflight: boolean;
  /** Counted from the commit, or for a scheduled rollout from its start. */
  deadlineSeconds: number;
  /** Start it at this time instead of by hand: the rollout waits in `scheduled`. */
  start?: StartSpec;
  /** Keep clients of windowed collections on the old ports until one of their windows opens (decision 0114). */
  respectWindows?: boolean;
}

/** Checks the options of a proposal before anything is read; returns its resolved start, if it has one. */
export function checkProposal(options: ProposeOptions, now: Date): ResolvedStart | undefined {
  if (
    !Number.isInteger(options.deadlineSeconds) ||
    options.deadlineSeconds < 1 ||
    options.deadlineSeconds > MAX_DEADLINE_SECONDS
  ) {
    throw new SiteportError('E_VALIDATION', `deadlineSeconds must be a whole number from 1 to ${MAX_DEADLINE_SECONDS}`);
  }
  if (options.start !== undefined && options.preflight) {
    throw new SiteportError(
      'E_VALIDATION',
      'a scheduled rollout starts without pre-flight: propose with pre-flight and commit it by hand, or schedule without it',
    );
  }
  return options.start === undefined ? undefined : resolveStart(options.start, now);
}

/** What a new rollout gets besides the prepared change it carries. */
type NewRolloutFields = Pick<
  Rollout,
  | 'state'
  | 'preflight'
  | 'deadline'
  | 'createdAt'
  | 'createdBy'
  | 'committedAt'
  | 'startsAt'
  | 'timeZone'
  | 'respectWindows'
>;

/** A new rollout of a prepared change, with a fresh id, not yet committed or ended. */
export function newRollout(code: string, prepared: PreparedChange, fields: NewRolloutFields): Rollout {
  return {
    id: randomUUID(),
    siteCode: code,
    old: { settings: prepared.current.settings, communicationMode: prepared.current.communicationMode },
    next: prepared.next,
    oldVersion: prepared.current.version,
    newVersion: null,
    rollbackVersion: null,
    endedAt: null,
    outcome: null,
    ...fields,
  };
}

/** The audit details of a proposed or scheduled rollout. */
export function proposalAudit(rollout: Rollout): Record<string, unknown> {
  return {
    rolloutId: rollout.id,
    preflight: rollout.preflight,
    deadline: rollout.deadline,
    ...(rollout.respectWindows ? { respectWindows: true } : {}),
    ...(rollout.startsAt === null ? {} : { startsAt: rollout.startsAt, timeZone: rollout.timeZone }),
    to: { ...rollout.next.settings, communicationMode: rollout.next.communicationMode },
  };
}

/** The change that turns a rollout's old settings into its new ones (for re-validation at commit). */
export function asChange(rollout: Rollout): PortChange {
  const { settings, communicationMode } = rollout.next;
  return {
    http: { ...settings.http },
    https: { ...settings.https },
    notification: settings.notification,
    wake: settings.wake,
    customWebSite: settings.customWebSite,
    communicationMode,
    descriptions: { ...settings.descriptions },
  };
}
