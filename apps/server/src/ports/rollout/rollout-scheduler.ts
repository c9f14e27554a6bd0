import { SiteportError } from '@siteport/protocol';
import type { Logger } from 'pino';
import type { ClientProgress } from './client-progress.js';
import type { RolloutRepository } from './rollout-repository.js';
import { type StartDetails, overlapEnd, schedulePlan } from './rollout-schedule.js';
import type { Rollout, RolloutOutcome, RolloutState } from './rollout-state.js';

/** The transitions of the rollout state machine the timed checks take. */
export interface TimedTransitions {
  /** scheduled → overlapping, by siteport; throws when the rollout can no longer start. */
  startScheduled(rollout: Rollout, details: StartDetails): Promise<void>;
  /** Ends a rollout (cancelled, finalized or rolled back) with its audit entry. */
  end(rollout: Rollout, state: RolloutState, outcome: RolloutOutcome, extra?: Record<string, unknown>): Promise<void>;
  /** Where the clients of a rollout stand now. */
  progressOf(rollout: Rollout): Promise<ClientProgress>;
}

/**
 * When the rollouts of a site move by themselves: the progress check every half policy interval
 * (between 0.5 s and 5 s) starts scheduled rollouts whose time has come and closes overlaps that no
 * active client needs any more or whose deadline passed; a start within the next 5 s gets its own
 * check. Checks run one after another, never overlapping.
 */
export class RolloutScheduler {
  private timer: NodeJS.Timeout | undefined;
  /** A check at the next scheduled start when it comes before the next regular check. */
  private startTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();
  private startedAt = Date.now();

  constructor(
    private readonly deps: {
      siteCode: string;
      rollouts: RolloutRepository;
      logger: Logger;
      site: () => Promise<{ policyIntervalSeconds: number; activeWindowSeconds: number }>;
      flushActivity: () => Promise<void>;
      now: () => Date;
      transitions: TimedTransitions;
    },
  ) {}

  /** Starts the progress check: every half policy interval (between 0.5 s and 5 s). */
  async start(): Promise<void> {
    this.stopped = false;
    this.startedAt = this.deps.now().getTime();
    const site = await this.deps.site();
    const every = Math.min(5000, Math.max(500, (site.policyIntervalSeconds * 1000) / 2));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.startTimer !== undefined) clearTimeout(this.startTimer);
    await this.ticking;
  }

  /** One progress check: starts due rollouts, then finalizes overlaps that no active client needs any more, or whose deadline passed. */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      try {
        await this.startDue();
        await this.checkOpen();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'rollout progress check failed; retrying at the next tick');
      }
    });
    return this.ticking;
  }

  /**
   * Starts scheduled rollouts whose time has come. One whose start passed while the server was
   * down starts now, and its audit entry says so. One that can no longer start (the site's
   * settings changed meanwhile, or a port is taken) is cancelled with the reason in the audit.
   */
  private async startDue(): Promise<void> {
    const plan = schedulePlan(await this.deps.rollouts.open(this.deps.siteCode), this.deps.now(), this.startedAt);
    if (this.startTimer !== undefined) clearTimeout(this.startTimer);
    // The regular check comes at most 5 s late; a start within the next 5 s gets its own check.
    if (!this.stopped && plan.nextInMs !== null && plan.nextInMs <= 5000) {
      this.startTimer = setTimeout(() => void this.tick(), plan.nextInMs);
      this.startTimer.unref();
    }
    for (const { rollout, details } of plan.due) {
      try {
        await this.deps.transitions.startScheduled(rollout, details);
      } catch (error) {
        if (error instanceof SiteportError && error.code === 'E_ROLLOUT_STATE') continue;
        const reason = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ rolloutId: rollout.id, err: error }, 'scheduled rollout could not start; cancelled');
        await this.deps.transitions.end(
          rollout,
          'cancelled',
          { reason: 'cancelled', stranded: [], by: 'siteport' },
          { ...details, startFailed: reason.slice(0, 500) },
        );
      }
    }
  }

  /** Ends the overlaps (and roll-backs) whose clients have all moved, or whose deadline passed. */
  private async checkOpen(): Promise<void> {
    const open = (await this.deps.rollouts.open(this.deps.siteCode)).filter(
      (r) => r.state === 'overlapping' || r.state === 'rolling-back',
    );
    if (open.length === 0) return;
    const site = await this.deps.site();
    await this.deps.flushActivity();
    const now = Date.now();
    for (const rollout of open) {
      const progress = await this.deps.transitions.progressOf(rollout);
      const end = overlapEnd(rollout, progress, site, now, this.startedAt);
      if (end !== null) await this.deps.transitions.end(rollout, end.state, end.outcome);
    }
  }
}
