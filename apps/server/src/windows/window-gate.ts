import type { CommunicationMode, PortSettings } from '@siteport/protocol';
import type { Logger } from 'pino';
import type { CollectionRepository } from './collection-repository.js';
import { holdPlan } from './hold-plan.js';
import type { RuleSubject } from './collection-rules.js';
import { windowed } from './maintenance-windows.js';

/** The policy a window-respecting rollout holds its waiting clients on: the settings before it. */
export interface HeldPolicy {
  rolloutId: string;
  version: number;
  settings: PortSettings;
  communicationMode: CommunicationMode;
}

/** The rollout facts the gate needs (the open rollouts of the site, as stored). */
interface GateRollout {
  id: string;
  state: string;
  respectWindows: boolean;
  committedAt: string | null;
  oldVersion: number;
  old: { settings: PortSettings; communicationMode: CommunicationMode };
}

export interface WindowGateDeps {
  siteCode: string;
  openRollouts: () => Promise<readonly GateRollout[]>;
  repo: CollectionRepository;
  /** Told when the held policy itself changed (a window-respecting rollout began or ended). */
  onChange: () => void;
  logger: Logger;
  /** How often the holds are recomputed while such a rollout runs (new clients, edited windows). */
  everyMs?: number;
}

/**
 * The per-client decision of an MP process during a window-respecting rollout (decision 0114):
 * which clients still get the old ports, and until when. Computed from the database when policy is
 * rebuilt and every few seconds while such a rollout runs, never per request: a request costs one
 * map lookup and a clock read, and a hold ends at its window's opening without a recomputation.
 */
export class WindowGate {
  private held: HeldPolicy | undefined;
  private releaseAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<HeldPolicy | undefined> | undefined;
  /** Whether the last computation failed (a streak of failures is logged once). */
  private failing = false;

  constructor(private readonly deps: WindowGateDeps) {}

  /** Whether `clientId` is held on the old ports at `now` (epoch ms). */
  holds(clientId: string, now: number): boolean {
    if (this.held === undefined) return false;
    const at = this.releaseAt.get(clientId);
    return at !== undefined && now < at;
  }

  /**
   * Recomputes from the database; concurrent callers share one computation. Never fails: policy is
   * built on it, and a gate that cannot be computed (the database unreachable, a time zone this
   * runtime does not know) must not take the MP's policy down. It then keeps the last good gate,
   * logs once per streak of failures, and tries again at the next sync (see {@link compute}).
   */
  sync(): Promise<HeldPolicy | undefined> {
    this.syncing ??= this.compute()
      .then(
        (held) => {
          if (this.failing) this.deps.logger.info('maintenance-window gate recomputed again');
          this.failing = false;
          return held;
        },
        (error: unknown) => {
          if (!this.failing) {
            this.deps.logger.warn(
              { err: error },
              'cannot compute who waits for a maintenance window; serving the last good gate until it can',
            );
          }
          this.failing = true;
          return this.held;
        },
      )
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  /**
   * Reads the open rollouts first: when none respects windows the gate is simply empty. Only then
   * the holds, which can fail on their own; a failure there keeps the last good holds if they are
   * of the same rollout (each hold still ends at its window's opening, so nobody waits longer than
   * planned), and otherwise holds no one back. Holding no one is the safe side for a port rollout:
   * while it overlaps, the site serves the old and the new ports, so a client that moves outside
   * its window keeps its MP; a held policy could not even be built without the rollout's old ports.
   */
  private async compute(): Promise<HeldPolicy | undefined> {
    const rollout = (await this.deps.openRollouts()).find((r) => r.state === 'overlapping' && r.respectWindows);
    const before = this.held?.rolloutId;
    if (rollout === undefined || rollout.committedAt === null) {
      this.held = undefined;
      this.releaseAt = new Map();
    } else {
      const held = {
        rolloutId: rollout.id,
        version: rollout.oldVersion,
        settings: rollout.old.settings,
        communicationMode: rollout.old.communicationMode,
      };
      try {
        const now = Date.now();
        const holds = await holdPlan(
          windowed(await this.deps.repo.list(this.deps.siteCode)),
          await this.subjects(),
          Date.parse(rollout.committedAt),
          now,
        );
        this.releaseAt = new Map(holds.map((h) => [h.clientId, h.releaseAt]));
        this.held = held;
      } catch (error) {
        if (before !== rollout.id) {
          this.held = undefined;
          this.releaseAt = new Map();
          if (before !== undefined) this.deps.onChange();
        }
        throw error;
      }
    }
    if (this.held?.rolloutId !== before) this.deps.onChange();
    return this.held;
  }

  /** The site's active clients, read a page at a time (no single long read on the MP's event loop). */
  private async subjects(): Promise<RuleSubject[]> {
    const subjects: RuleSubject[] = [];
    for await (const page of this.deps.repo.subjectPages(this.deps.siteCode)) subjects.push(...page);
    return subjects;
  }

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.deps.everyMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
