// Over 300 lines: the rollout state machine's transitions (propose or schedule, commit or scheduled start, cancel, roll back, finalize, the progress tick) share one transaction pattern and the rollout row; what is due when is in rollout-schedule.ts, start-time arithmetic in zoned-time.ts.
import { randomUUID } from 'node:crypto';
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
import { clientProgress } from './client-progress.js';
import { impactReport } from './impact.js';
import type { RemediationContext } from './remediation.js';
import { type Rollout, type RolloutOutcome, type RolloutState, canMove } from './rollout-state.js';
import { schedulePlan } from './rollout-schedule.js';
import { type WaitingOf, rolloutView } from './rollout-view.js';
import { type StartSpec, resolveStart } from './zoned-time.js';

/** Default time after which an overlap closes even if active clients have not moved. */
export const DEFAULT_DEADLINE_SECONDS = 24 * 60 * 60;
export const MAX_DEADLINE_SECONDS = 30 * 24 * 60 * 60;
const stateChannel = diagnostics.channel('siteport:rollout:state');

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

/**
 * Tracked port changes: a change of request or notification ports is stored as a
 * rollout, committed as a new settings version while the old ports stay served, and finalized when
 * no active client is left on them (or at the deadline, or when forced), or rolled back. Every step
 * is one database transaction, so a restart at any point resumes from the stored state.
 */
export class RolloutService {
  private timer: NodeJS.Timeout | undefined;
  /** A check at the next scheduled start when it comes before the next regular check. */
  private startTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();
  private startedAt = Date.now();

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
  ) {}

  private now(): Date {
    return new Date();
  }

  /** Starts the progress check: every half policy interval (between 0.5 s and 5 s). */
  async start(): Promise<void> {
    this.stopped = false;
    this.startedAt = this.now().getTime();
    const site = await this.deps.ports.site(this.deps.siteCode);
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
    const rollout: Rollout = {
      id: randomUUID(),
      siteCode: code,
      state: 'overlapping',
      old: { settings: prepared.current.settings, communicationMode: prepared.current.communicationMode },
      next: prepared.next,
      oldVersion: prepared.current.version,
      newVersion: null,
      rollbackVersion: null,
      preflight: false,
      deadline: new Date(now.getTime() + DEFAULT_DEADLINE_SECONDS * 1000).toISOString(),
      createdAt: at,
      createdBy: actor,
      committedAt: at,
      endedAt: null,
      outcome: null,
      startsAt: null,
      timeZone: null,
      respectWindows: false,
    };
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
    if (
      !Number.isInteger(options.deadlineSeconds) ||
      options.deadlineSeconds < 1 ||
      options.deadlineSeconds > MAX_DEADLINE_SECONDS
    ) {
      throw new SiteportError(
        'E_VALIDATION',
        `deadlineSeconds must be a whole number from 1 to ${MAX_DEADLINE_SECONDS}`,
      );
    }
    if (options.start !== undefined && options.preflight) {
      throw new SiteportError(
        'E_VALIDATION',
        'a scheduled rollout starts without pre-flight: propose with pre-flight and commit it by hand, or schedule without it',
      );
    }
    const now = this.now();
    const start = options.start === undefined ? undefined : resolveStart(options.start, now);
    const prepared = await this.deps.ports.prepare(code, change);
    if (!movesPorts(prepared.current.settings, prepared.next.settings)) {
      throw new SiteportError(
        'E_VALIDATION',
        'this change moves no request or notification port: apply it with PATCH /sites/{code}/ports',
      );
    }
    const deadlineFrom = start?.startsAt ?? now;
    const rollout: Rollout = {
      id: randomUUID(),
      siteCode: code,
      state: start !== undefined ? 'scheduled' : options.preflight ? 'preflight' : 'validated',
      old: { settings: prepared.current.settings, communicationMode: prepared.current.communicationMode },
      next: prepared.next,
      oldVersion: prepared.current.version,
      newVersion: null,
      rollbackVersion: null,
      preflight: options.preflight,
      deadline: new Date(deadlineFrom.getTime() + options.deadlineSeconds * 1000).toISOString(),
      createdAt: now.toISOString(),
      createdBy: actor,
      committedAt: null,
      endedAt: null,
      outcome: null,
      startsAt: start?.startsAt.toISOString() ?? null,
      timeZone: start?.timeZone ?? null,
      respectWindows: options.respectWindows === true,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.assertNoneOpen(trx, code);
      await this.deps.rollouts.insert(trx, rollout);
      await this.deps.ports.auditEvent(
        trx,
        code,
        actor,
        start === undefined ? 'ports.rollout.propose' : 'ports.rollout.schedule',
        rollout.createdAt,
        {
          rolloutId: rollout.id,
          preflight: rollout.preflight,
          deadline: rollout.deadline,
          ...(rollout.respectWindows ? { respectWindows: true } : {}),
          ...(start === undefined ? {} : { startsAt: rollout.startsAt, timeZone: rollout.timeZone }),
          to: { ...rollout.next.settings, communicationMode: rollout.next.communicationMode },
        },
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

  /**
   * Starts scheduled rollouts whose time has come. One whose start passed while the server was
   * down starts now, and its audit entry says so. One that can no longer start (the site's
   * settings changed meanwhile, or a port is taken) is cancelled with the reason in the audit.
   */
  private async startDue(): Promise<void> {
    const plan = schedulePlan(await this.deps.rollouts.open(this.deps.siteCode), this.now(), this.startedAt);
    if (this.startTimer !== undefined) clearTimeout(this.startTimer);
    // The regular check comes at most 5 s late; a start within the next 5 s gets its own check.
    if (!this.stopped && plan.nextInMs !== null && plan.nextInMs <= 5000) {
      this.startTimer = setTimeout(() => void this.tick(), plan.nextInMs);
      this.startTimer.unref();
    }
    for (const { rollout, details } of plan.due) {
      try {
        await this.commitRollout(rollout, 'siteport', 'ports.rollout.start', details);
      } catch (error) {
        if (error instanceof SiteportError && error.code === 'E_ROLLOUT_STATE') continue;
        const reason = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ rolloutId: rollout.id, err: error }, 'scheduled rollout could not start; cancelled');
        await this.end(
          rollout,
          'cancelled',
          { reason: 'cancelled', stranded: [], by: 'siteport' },
          {
            ...details,
            startFailed: reason.slice(0, 500),
          },
        );
      }
    }
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
    if (progress.remaining.length > 0 && !force) {
      throw new SiteportError(
        'E_CLIENTS_REMAIN',
        `${progress.remaining.length} active client(s) still talk on the ports that would close (${progress.remaining
          .slice(0, 5)
          .map((c) => c.hostname)
          .join(', ')}${progress.remaining.length > 5 ? ', …' : ''}); wait, or finalize with force to strand them`,
        { details: { clients: progress.remaining.map((c) => c.id) } },
      );
    }
    const stranded = [...progress.remaining, ...progress.inactive].map((c) => c.id);
    await this.end(rollout, target, {
      reason: force ? 'forced' : target === 'rolled-back' ? 'rolled-back' : 'all-moved',
      stranded,
      by: actor,
    });
    return this.view(id);
  }

  /** One progress check: finalizes overlaps that no active client needs any more, or whose deadline passed. */
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

  private async checkOpen(): Promise<void> {
    const open = (await this.deps.rollouts.open(this.deps.siteCode)).filter(
      (r) => r.state === 'overlapping' || r.state === 'rolling-back',
    );
    if (open.length === 0) return;
    const site = await this.deps.ports.site(this.deps.siteCode);
    await this.deps.flushActivity();
    const now = Date.now();
    for (const rollout of open) {
      const progress = await this.progressOf(rollout);
      const target: RolloutState = rollout.state === 'rolling-back' ? 'rolled-back' : 'finalized';
      const stranded = [...progress.remaining, ...progress.inactive].map((c) => c.id);
      if (now >= Date.parse(rollout.deadline)) {
        await this.end(rollout, target, { reason: 'deadline', stranded, by: 'siteport' });
        continue;
      }
      // Give every client at least one policy interval to hear of the change, and after a restart
      // one active window to check in again: clients the server could not hear while it was down
      // are not gone.
      const since = Date.parse(rollout.committedAt ?? rollout.createdAt);
      const heardEveryone = now - this.startedAt >= site.activeWindowSeconds * 1000;
      if (progress.remaining.length === 0 && heardEveryone && now - since >= site.policyIntervalSeconds * 1000) {
        await this.end(rollout, target, {
          reason: target === 'rolled-back' ? 'rolled-back' : 'all-moved',
          stranded,
          by: 'siteport',
        });
      }
    }
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

  private async progressOf(rollout: Rollout) {
    const site = await this.deps.ports.site(rollout.siteCode);
    const clients = await this.deps.clients.records(rollout.siteCode);
    const back = rollout.state === 'rolling-back' || rollout.state === 'rolled-back';
    const version = (back ? rollout.rollbackVersion : rollout.newVersion) ?? Number.MAX_SAFE_INTEGER;
    return back
      ? clientProgress(
          clients,
          rollout.next.settings,
          rollout.old.settings,
          version,
          site.activeWindowSeconds,
          new Date(),
        )
      : clientProgress(
          clients,
          rollout.old.settings,
          rollout.next.settings,
          version,
          site.activeWindowSeconds,
          new Date(),
        );
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
  async impact(code: string, source: { rolloutId: string } | { change: PortChange }): Promise<ImpactReport> {
    const site = await this.deps.ports.site(code);
    await this.deps.flushActivity();
    let from;
    let to;
    let rolloutId: string | null = null;
    let probes = null;
    if ('rolloutId' in source) {
      const rollout = await this.find(source.rolloutId);
      ({ settings: from } = rollout.old);
      ({ settings: to } = rollout.next);
      rolloutId = rollout.id;
      probes = rollout.preflight ? await this.deps.rollouts.probes(rollout.id) : null;
    } else {
      const prepared = await this.deps.ports.prepare(code, source.change);
      from = prepared.current.settings;
      to = prepared.next.settings;
    }
    return impactReport({
      siteCode: code,
      rolloutId,
      from,
      to,
      clients: await this.deps.clients.records(code),
      activeWindowSeconds: site.activeWindowSeconds,
      now: new Date(),
      directoryPublishing: this.deps.directoryPublishing(),
      probes,
      remediation: this.deps.remediation,
    });
  }
}

/** The change that turns a rollout's old settings into its new ones (for re-validation at commit). */
function asChange(rollout: Rollout): PortChange {
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
