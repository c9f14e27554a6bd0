import type { CommunicationMode, PortSettings } from '@siteport/protocol';
import type { Logger } from 'pino';
import type { ClientRecord } from '../clients/index.js';
import type { CollectionRepository } from './collection-repository.js';
import { holdPlan } from './hold-plan.js';
import { subjectOf, windowed } from './maintenance-windows.js';

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
  clients: () => Promise<ClientRecord[]>;
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

  constructor(private readonly deps: WindowGateDeps) {}

  /** Whether `clientId` is held on the old ports at `now` (epoch ms). */
  holds(clientId: string, now: number): boolean {
    if (this.held === undefined) return false;
    const at = this.releaseAt.get(clientId);
    return at !== undefined && now < at;
  }

  /** Recomputes from the database; concurrent callers share one computation. */
  sync(): Promise<HeldPolicy | undefined> {
    this.syncing ??= this.compute().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async compute(): Promise<HeldPolicy | undefined> {
    const rollout = (await this.deps.openRollouts()).find((r) => r.state === 'overlapping' && r.respectWindows);
    const before = this.held?.rolloutId;
    if (rollout === undefined || rollout.committedAt === null) {
      this.held = undefined;
      this.releaseAt = new Map();
    } else {
      const now = Date.now();
      const holds = holdPlan(
        windowed(await this.deps.repo.list(this.deps.siteCode)),
        (await this.deps.clients()).map(subjectOf),
        Date.parse(rollout.committedAt),
        now,
      );
      this.releaseAt = new Map(holds.map((h) => [h.clientId, h.releaseAt]));
      this.held = {
        rolloutId: rollout.id,
        version: rollout.oldVersion,
        settings: rollout.old.settings,
        communicationMode: rollout.old.communicationMode,
      };
    }
    if (this.held?.rolloutId !== before) this.deps.onChange();
    return this.held;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sync().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'cannot recompute who waits for a maintenance window; keeping the last'),
      );
    }, this.deps.everyMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
