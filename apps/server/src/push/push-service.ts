import type {
  PushCandidateInput,
  PushHostList,
  PushHostSpec,
  PushHostView,
  PushSettingsChange,
  PushSettingsView,
} from '@siteport/protocol';
import type { Logger } from 'pino';
import { pushAttempt } from './push-attempt.js';
import type { PushContext, PushServiceDeps } from './push-context.js';
import { addClientCandidate, addHosts, approveHost } from './push-inventory.js';
import type { PushSettingsRow } from './push-repository.js';
import { changePushSettings, pushSettingsRow } from './push-settings.js';
import { hostView, settingsView } from './push-views.js';
import { RegistrationWaiter } from './registration-waiter.js';

/** Lifecycle of the push scheduler: idle → running → stopping → stopped. */
export type PushServiceState = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * Client push installation: the host inventory and its approval (push-inventory.ts), site push
 * settings with an encrypted push account (push-settings.ts), the "install client" action,
 * site-wide automatic push, and a scheduler that runs due attempts (push-attempt.ts) and retries
 * failures on the site's schedule.
 */
export class PushService {
  private stateValue: PushServiceState = 'idle';
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly waiter = new RegistrationWaiter();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly log: Logger;
  private readonly ctx: PushContext;

  constructor(private readonly deps: PushServiceDeps) {
    this.log = deps.logger;
    this.ctx = {
      deps,
      log: deps.logger,
      inFlight: this.inFlight,
      signal: this.abort.signal,
      waiter: this.waiter,
      running: () => this.stateValue === 'running',
      kick: () => {
        if (this.stateValue === 'running') void this.tick();
      },
      settingsRow: (code) => this.settingsRow(code),
    };
    deps.events.on('client-registered', (_site, clientId, keyFingerprint) =>
      this.waiter.registered(keyFingerprint, clientId),
    );
  }

  get state(): PushServiceState {
    return this.stateValue;
  }

  /** Re-queues attempts a previous process left in flight and starts the scheduler. */
  async start(): Promise<void> {
    const requeued = await this.deps.push.requeueInterrupted(new Date().toISOString());
    if (requeued > 0) this.log.info({ requeued }, 'queued push attempts interrupted by the last shutdown again');
    this.stateValue = 'running';
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  /** Stops scheduling, cancels attempts in flight (they are queued again at the next start) and waits for them. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped' || this.stateValue === 'stopping') return;
    this.stateValue = 'stopping';
    clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
    this.stateValue = 'stopped';
  }

  private settingsRow(code: string): Promise<PushSettingsRow> {
    return pushSettingsRow(this.deps, code);
  }

  async settings(code: string): Promise<PushSettingsView> {
    return settingsView(await this.settingsRow(code), this.deps.defaultManagementPoint);
  }

  /** Changes push settings; a new secret replaces the stored one (encrypted) and is audited as `[redacted]`. */
  changeSettings(code: string, change: PushSettingsChange, actor: string): Promise<PushSettingsView> {
    return changePushSettings(this.ctx, code, change, actor);
  }

  async hosts(code: string): Promise<PushHostList> {
    const settings = await this.settingsRow(code);
    return { hosts: (await this.deps.push.hosts(code)).map((row) => hostView(row, settings)) };
  }

  /** Adds hosts to the inventory: entered hosts are targets, scanned ones candidates (see {@link addHosts}). */
  addHosts(
    code: string,
    specs: readonly PushHostSpec[],
    actor: string,
    install: boolean,
    from?: { clientId: string },
  ): Promise<PushHostList> {
    return addHosts(this.ctx, code, specs, actor, install, from);
  }

  /** The console's "push install" of a device: its reported host name becomes a candidate. */
  addClientCandidate(code: string, input: PushCandidateInput, actor: string): Promise<PushHostList> {
    return addClientCandidate(this.ctx, code, input, actor);
  }

  /** Approves a host (a candidate becomes a target, optionally with a pinned key) and queues an install. */
  approve(code: string, id: string, change: { hostKey?: string }, actor: string): Promise<PushHostView> {
    return approveHost(this.ctx, code, id, change, actor);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stateValue !== 'running') return;
    this.ticking = true;
    try {
      const free = (this.deps.concurrency ?? 4) - this.inFlight.size;
      if (free <= 0) return;
      const due = await this.deps.push.due(new Date().toISOString(), free + this.inFlight.size);
      for (const row of due) {
        if (this.inFlight.size >= (this.deps.concurrency ?? 4) || this.inFlight.has(row.id)) continue;
        const run = pushAttempt(this.ctx, row).finally(() => this.inFlight.delete(row.id));
        this.inFlight.set(row.id, run);
      }
    } catch (error) {
      this.log.error({ err: error }, 'looking for due push attempts failed; trying again at the next tick');
    } finally {
      this.ticking = false;
    }
  }
}
