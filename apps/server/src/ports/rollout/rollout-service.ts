// Over 300 lines: the rollout state machine's transitions (change, propose or schedule, commit, cancel, roll back, finalize, end) share one transaction pattern and the rollout row; the timed checks are in rollout-scheduler.ts, what is due when in rollout-schedule.ts, building a proposal in rollout-proposal.ts, the impact report in rollout-impact.ts.
import diagnostics from 'node:diagnostics_channel';
import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type ImpactReport,
  type PortChange,
  type PortChangeResult,
  type RolloutView,
  SiteportError,
} from '@siteport/protocol';
import type { Logger } from 'pino';
import type { RolloutRepository } from './rollout-repository.js';
import type { ClientService } from '../../clients/index.js';
import { changeWarnings } from '../change-warnings.js';
import { type PortSettingsService, movesPorts } from '../port-settings-service.js';
import { type ClientProgress, clientsRemain, rolloutProgress } from './client-progress.js';
import { rolloutImpact } from './rollout-impact.js';
import type { RemediationContext } from './remediation.js';
import {
  DEFAULT_DEADLINE_SECONDS,
  type ProposeOptions,
  asChange,
  checkProposal,
  newRollout,
  proposalAudit,
} from './rollout-proposal.js';
import { RolloutScheduler } from './rollout-scheduler.js';
import { type Rollout, type RolloutOutcome, type RolloutState, canMove } from './rollout-state.js';
import { type WaitingOf, rolloutView } from './rollout-view.js';

export { DEFAULT_DEADLINE_SECONDS, MAX_DEADLINE_SECONDS, type ProposeOptions } from './rollout-proposal.js';

const stateChannel = diagnostics.channel('siteport:rollout:state');

/**
 * Tracked port changes: a change of request or notification ports is stored as a
 * rollout, committed as a new settings version while the old ports stay served, and finalized when
 * no active client is left on them (or at the deadline, or when forced), or rolled back. Every step
 * is one database transaction, so a restart at any point resumes from the stored state.
 */
export class RolloutService {
  private readonly scheduler: RolloutScheduler;

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      siteCode: string;
      ports: PortSettingsService;
      rollouts: RolloutRepository;
      clients: ClientService;
      logger: Logger;
      remediation: RemediationContext;
      flushActivity: () => Promise<void>;
      directoryPublishing: () => boolean;
      /** Who a window-respecting rollout keeps on the old ports, and until when (decision 0114). */
      waiting?: WaitingOf;
    },
  ) {
    this.scheduler = new RolloutScheduler({
      siteCode: deps.siteCode,
      rollouts: deps.rollouts,
      logger: deps.logger,
      site: () => deps.ports.site(deps.siteCode),
      flushActivity: deps.flushActivity,
      now: () => this.now(),
      transitions: {
        startScheduled: (rollout, details) => this.commitRollout(rollout, 'siteport', 'ports.rollout.start', details),
        end: (rollout, state, outcome, extra) => this.end(rollout, state, outcome, extra),
        progressOf: (rollout) => this.progressOf(rollout),
      },
    });
  }

  private now(): Date {
    return new Date();
  }

  /** Starts the progress check (rollout-scheduler.ts): every half policy interval (between 0.5 s and 5 s). */
  start(): Promise<void> {
    return this.scheduler.start();
  }

  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** One progress check: starts due scheduled rollouts, finalizes overlaps no active client needs any more, or whose deadline passed. */
  tick(): Promise<void> {
    return this.scheduler.tick();
  }

  /**
   * `PATCH /sites/{code}/ports`: a change that moves request or notification ports becomes a
   * rollout committed at once; any other change is stored directly. The rollout row (already
   * `overlapping`), the new settings version and the audit entry are one transaction: a crash
   * leaves either the whole change or none of it, never a `validated` rollout nobody commits.
   */
  async change(code: string, change: PortChange, actor: string): Promise<PortChangeResult> {
    const prepared = await this.deps.ports.prepare(code, change);
    if (!movesPorts(prepared.current.settings, prepared.next.settings)) {
      const stored = await this.deps.ports.applyDirect(prepared, actor);
      return {
        ports: await this.deps.ports.view(code, { site: prepared.site, stored }),
        warnings: prepared.warnings,
        rolloutId: null,
      };
    }
    const now = new Date();
    const at = now.toISOString();
    const rollout = newRollout(code, prepared, {
      state: 'overlapping',
      preflight: false,
      deadline: new Date(now.getTime() + DEFAULT_DEADLINE_SECONDS * 1000).toISOString(),
      createdAt: at,
      createdBy: actor,
      committedAt: at,
      startsAt: null,
      timeZone: null,
      respectWindows: false,
    });
    const stored = await this.deps.db.transaction().execute(async (trx) => {
      await this.assertNoneOpen(trx, code);
      const written = await this.deps.ports.writeVersion(
        trx,
        prepared.current,
        rollout.next,
        actor,
        'ports.rollout.commit',
        at,
        { rolloutId: rollout.id },
      );
      await this.deps.rollouts.insert(trx, { ...rollout, newVersion: written.version });
      return written;
    });
    this.moved(rollout, 'committed');
    await this.deps.ports.announce(stored);
    const clients = await this.deps.clients.records(code);
    return {
      ports: await this.deps.ports.view(code, { site: prepared.site, stored }),
      warnings: [...changeWarnings(prepared.current.settings, prepared.next.settings, clients), ...prepared.warnings],
      rolloutId: rollout.id,
    };
  }

  /** Validates a change (whole result, test-bind) and stores it as a rollout; with pre-flight the new ports open in probe mode. */
  async propose(code: string, change: PortChange, actor: string, options: ProposeOptions): Promise<RolloutView> {
    const now = this.now();
    const start = checkProposal(options, now);
    const prepared = await this.deps.ports.prepare(code, change);
    if (!movesPorts(prepared.current.settings, prepared.next.settings)) {
      throw new SiteportError(
        'E_VALIDATION',
        'this change moves no request or notification port: apply it with PATCH /sites/{code}/ports',
      );
    }
    const deadlineFrom = start?.startsAt ?? now;
    const rollout = newRollout(code, prepared, {
      state: start !== undefined ? 'scheduled' : options.preflight ? 'preflight' : 'validated',
      preflight: options.preflight,
      deadline: new Date(deadlineFrom.getTime() + options.deadlineSeconds * 1000).toISOString(),
      createdAt: now.toISOString(),
      createdBy: actor,
      committedAt: null,
      startsAt: start?.startsAt.toISOString() ?? null,
      timeZone: start?.timeZone ?? null,
      respectWindows: options.respectWindows === true,
    });
    await this.deps.db.transaction().execute(async (trx) => {
      await this.assertNoneOpen(trx, code);
      await this.deps.rollouts.insert(trx, rollout);
      await this.deps.ports.auditEvent(
        trx,
        code,
        actor,
        start === undefined ? 'ports.rollout.propose' : 'ports.rollout.schedule',
        rollout.createdAt,
        proposalAudit(rollout),
      );
    });
    this.moved(rollout, start === undefined ? 'proposed' : 'scheduled');
    if (options.preflight) await this.deps.ports.announce(prepared.current);
    return this.view(rollout.id);
  }

  /** validated|preflight|scheduled → overlapping: the new ports become current; the old ones stay served. */
  async commit(id: string, actor: string): Promise<RolloutView> {
    const rollout = await this.find(id);
    this.expect(rollout, 'overlapping', 'commit');
    await this.commitRollout(rollout, actor, 'ports.rollout.commit', { rolloutId: id });
    return this.view(id);
  }

  private async commitRollout(
    rollout: Rollout,
    actor: string,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { id } = rollout;
    const current = await this.deps.ports.stored(rollout.siteCode);
    if (current.version !== rollout.oldVersion) {
      throw new SiteportError(
        'E_VERSION_CONFLICT',
        `the site's ports changed (version ${current.version}) since rollout ${id} was proposed on version ${rollout.oldVersion}; cancel it and propose again`,
      );
    }
    if (rollout.state === 'validated' || rollout.state === 'scheduled')
      await this.deps.ports.prepare(rollout.siteCode, { expectedVersion: current.version, ...asChange(rollout) });
    const at = this.now().toISOString();
    const stored = await this.deps.db.transaction().execute(async (trx) => {
      const written = await this.deps.ports.writeVersion(trx, current, rollout.next, actor, action, at, details);
      await this.transition(trx, rollout, { state: 'overlapping', newVersion: written.version, committedAt: at });
      return written;
    });
    this.moved({ ...rollout, state: 'overlapping' }, 'committed');
    await this.deps.ports.announce(stored);
  }

  /** scheduled|validated|preflight → cancelled: nothing was announced; probe ports close. */
  async cancel(id: string, actor: string): Promise<RolloutView> {
    const rollout = await this.find(id);
    this.expect(rollout, 'cancelled', 'cancel');
    await this.end(rollout, 'cancelled', { reason: 'cancelled', stranded: [], by: actor });
    return this.view(id);
  }

  /** overlapping → rolling-back: the old ports are current again; the new ones stay served until the movers are back. */
  async rollback(id: string, actor: string): Promise<RolloutView> {
    const rollout = await this.find(id);
    this.expect(rollout, 'rolling-back', 'roll back');
    const current = await this.deps.ports.stored(rollout.siteCode);
    const at = new Date().toISOString();
    const stored = await this.deps.db.transaction().execute(async (trx) => {
      const written = await this.deps.ports.writeVersion(
        trx,
        current,
        rollout.old,
        actor,
        'ports.rollout.rollback',
        at,
        { rolloutId: id },
      );
      await this.transition(trx, rollout, { state: 'rolling-back', rollbackVersion: written.version });
      return written;
    });
    this.moved({ ...rollout, state: 'rolling-back' }, 'rolling back');
    await this.deps.ports.announce(stored);
    return this.view(id);
  }

  /**
   * Closes the ports clients are leaving. Refused with the list of clients still on them unless
   * `force` (the administrator has seen who will be stranded).
   */
  async finalize(id: string, actor: string, force: boolean): Promise<RolloutView> {
    const rollout = await this.find(id);
    const target: RolloutState = rollout.state === 'rolling-back' ? 'rolled-back' : 'finalized';
    this.expect(rollout, target, 'finalize');
    await this.deps.flushActivity();
    const progress = await this.progressOf(rollout);
    if (progress.remaining.length > 0 && !force) throw clientsRemain(progress.remaining);
    const stranded = [...progress.remaining, ...progress.inactive].map((c) => c.id);
    await this.end(rollout, target, {
      reason: force ? 'forced' : target === 'rolled-back' ? 'rolled-back' : 'all-moved',
      stranded,
      by: actor,
    });
    return this.view(id);
  }

  private async end(
    rollout: Rollout,
    state: RolloutState,
    outcome: RolloutOutcome,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const at = this.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.transition(trx, rollout, { state, endedAt: at, outcome });
      await this.deps.ports.auditEvent(trx, rollout.siteCode, outcome.by, `ports.rollout.${state}`, at, {
        ...extra,
        rolloutId: rollout.id,
        ...outcome,
      });
    });
    this.moved({ ...rollout, state }, outcome.reason);
    const current = await this.deps.ports.stored(rollout.siteCode);
    await this.deps.ports.announce(current);
  }

  /** Inside the transaction that opens a rollout: refused while another one of the site is open. */
  private async assertNoneOpen(trx: Parameters<RolloutRepository['insert']>[0], code: string): Promise<void> {
    const open = await this.deps.rollouts.open(code, trx);
    if (open.length > 0) {
      throw new SiteportError(
        'E_ROLLOUT_ACTIVE',
        `site ${code} is still rolling out port change ${open[0]!.id} (${open[0]!.state}); finalize, roll back or cancel it first`,
        { details: { rolloutId: open[0]!.id } },
      );
    }
  }

  private async transition(
    trx: Parameters<RolloutRepository['insert']>[0],
    rollout: Rollout,
    fields: Partial<Rollout> & { state: RolloutState },
  ): Promise<void> {
    if (!(await this.deps.rollouts.transition(trx, rollout.id, rollout.state, fields))) {
      throw new SiteportError('E_ROLLOUT_STATE', `rollout ${rollout.id} changed state meanwhile; read it again`);
    }
  }

  private expect(rollout: Rollout, to: RolloutState, action: string): void {
    if (!canMove(rollout.state, to)) {
      throw new SiteportError('E_ROLLOUT_STATE', `cannot ${action} rollout ${rollout.id}: it is ${rollout.state}`, {
        details: { state: rollout.state },
      });
    }
  }

  private moved(rollout: Rollout, why: string): void {
    stateChannel.publish({ rolloutId: rollout.id, siteCode: rollout.siteCode, state: rollout.state });
    this.deps.logger.info({ rolloutId: rollout.id, state: rollout.state, why }, 'rollout state');
  }

  async find(id: string): Promise<Rollout> {
    const rollout = await this.deps.rollouts.find(id);
    if (rollout === undefined)
      throw new SiteportError(
        'E_ROLLOUT_NOT_FOUND',
        `no rollout ${id}; list them with GET /api/v1/sites/{code}/rollouts`,
      );
    return rollout;
  }

  private async progressOf(rollout: Rollout): Promise<ClientProgress> {
    const site = await this.deps.ports.site(rollout.siteCode);
    const clients = await this.deps.clients.records(rollout.siteCode);
    return rolloutProgress(rollout, clients, site.activeWindowSeconds, new Date());
  }

  async view(id: string): Promise<RolloutView> {
    await this.deps.flushActivity();
    const rollout = await this.find(id);
    const progress = await this.progressOf(rollout);
    return rolloutView(rollout, progress, this.now(), await this.deps.waiting?.(rollout, progress, this.now()));
  }

  async list(code: string): Promise<RolloutView[]> {
    await this.deps.ports.site(code);
    const rollouts = await this.deps.rollouts.list(code);
    return Promise.all(rollouts.map((r) => this.view(r.id)));
  }

  /** The impact report of a rollout (with pre-flight results), or of a change not yet proposed. */
  impact(code: string, source: { rolloutId: string } | { change: PortChange }): Promise<ImpactReport> {
    return rolloutImpact(this.deps, (id) => this.find(id), code, source);
  }
}
