import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { ManagementPointList, MpRole } from '@siteport/protocol';
import type { ManagementPointRepository } from './management-point-repository.js';
import { liveHosts, mpLiveness } from './mp-liveness.js';

/** Lifecycle of a registry entry: idle → running (registered, heartbeating) → stopped (marked stopped). */
export type MpRegistryState = 'idle' | 'running' | 'stopped';

/** How often an MP heartbeats, and after how long without one it is dead. */
export interface RegistryTiming {
  /** @default 5000 */
  readonly heartbeatMs: number;
  /** @default 15000 (three heartbeats) */
  readonly staleAfterMs: number;
}

const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60_000;
const hostsChannel = diagnostics.channel('siteport:registry:hosts');

/**
 * This process's entry in the site's MP registry: registered at start, a heartbeat every
 * `heartbeatMs`, marked stopped at a graceful stop. Each heartbeat also reads the registry, so
 * {@link hosts} (what policy announces) follows MPs that start, stop or die, and `onHostsChanged`
 * fires when that list changes.
 */
export class MpRegistry {
  readonly id = randomUUID();
  private stateValue: MpRegistryState = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private live: string[] = [];
  private liveRows: { id: string; host: string }[] = [];
  private startedAt = '';
  private prunedAt = 0;
  private lastBeatAt = 0;

  constructor(
    private readonly deps: {
      repo: ManagementPointRepository;
      siteCode: string;
      host: string;
      bindAddress: string;
      role: MpRole;
      timing: RegistryTiming;
      logger: Logger;
      onHostsChanged?: (hosts: readonly string[]) => void;
      /** The site server prunes entries last seen more than a day ago. */
      prune?: boolean;
    },
  ) {}

  get state(): MpRegistryState {
    return this.stateValue;
  }

  /** Whether this entry is running and its last heartbeat (or start) reached the database recently. */
  isFresh(now = Date.now()): boolean {
    return this.stateValue === 'running' && now - this.lastBeatAt < this.deps.timing.staleAfterMs;
  }

  /** Host names of the live MPs of the site, as of the last heartbeat; this one is always among them. */
  hosts(): readonly string[] {
    return this.live.includes(this.deps.host) ? this.live : [...this.live, this.deps.host];
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`the MP registry entry cannot start from ${this.stateValue}`);
    const now = new Date().toISOString();
    this.startedAt = now;
    await this.deps.repo.insert({
      id: this.id,
      siteCode: this.deps.siteCode,
      host: this.deps.host,
      bindAddress: this.deps.bindAddress,
      role: this.deps.role,
      startedAt: this.startedAt,
      lastSeenAt: now,
      state: 'running',
    });
    this.stateValue = 'running';
    this.lastBeatAt = Date.now();
    await this.refresh();
    this.timer = setInterval(() => void this.heartbeat(), this.deps.timing.heartbeatMs);
    this.timer.unref();
    this.deps.logger.info(
      { id: this.id, host: this.deps.host, role: this.deps.role },
      'registered as a management point of the site',
    );
  }

  /** One heartbeat; a failure (database down) is logged and the next one tries again. */
  heartbeat(): Promise<void> {
    this.beating = this.beating.then(async () => {
      if (this.stateValue !== 'running') return;
      try {
        const at = new Date().toISOString();
        if (!(await this.deps.repo.touch(this.id, at))) {
          await this.deps.repo.insert({
            id: this.id,
            siteCode: this.deps.siteCode,
            host: this.deps.host,
            bindAddress: this.deps.bindAddress,
            role: this.deps.role,
            startedAt: this.startedAt,
            lastSeenAt: at,
            state: 'running',
          });
        }
        this.lastBeatAt = Date.now();
        if (this.deps.prune === true && Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
          this.prunedAt = Date.now();
          await this.deps.repo.prune(this.deps.siteCode, new Date(Date.now() - PRUNE_AFTER_MS).toISOString());
        }
        await this.refresh();
      } catch (error) {
        this.deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'MP registry heartbeat failed; retrying at the next one',
        );
      }
    });
    return this.beating;
  }

  /** Registry ids and hosts of the other live MP processes of the site, as of the last heartbeat. */
  others(): readonly { id: string; host: string }[] {
    return this.liveRows.filter((r) => r.id !== this.id);
  }

  private async refresh(): Promise<void> {
    const rows = await this.deps.repo.list(this.deps.siteCode);
    const now = Date.now();
    this.liveRows = rows
      .filter((r) => mpLiveness(r, now, this.deps.timing.staleAfterMs) === 'running')
      .map((r) => ({ id: r.id, host: r.host }));
    const hosts = liveHosts(rows, now, this.deps.timing.staleAfterMs);
    if (hosts.join('\n') === this.live.join('\n')) return;
    this.live = hosts;
    if (hostsChannel.hasSubscribers) hostsChannel.publish({ id: this.id, hosts });
    this.deps.onHostsChanged?.(this.hosts());
  }

  /** The registry of a site, with each entry's liveness. */
  async list(siteCode: string): Promise<ManagementPointList> {
    const now = Date.now();
    const rows = await this.deps.repo.list(siteCode);
    return {
      siteCode,
      staleAfterSeconds: this.deps.timing.staleAfterMs / 1000,
      managementPoints: rows.map((r) => ({
        id: r.id,
        siteCode: r.siteCode,
        host: r.host,
        bindAddress: r.bindAddress,
        role: r.role,
        state: mpLiveness(r, now, this.deps.timing.staleAfterMs),
        startedAt: r.startedAt,
        lastSeenAt: r.lastSeenAt,
      })),
    };
  }

  /** Marks this entry stopped (graceful stop, SIGTERM); a database error is logged, not thrown. */
  async stop(): Promise<void> {
    if (this.stateValue !== 'running') {
      this.stateValue = 'stopped';
      return;
    }
    this.stateValue = 'stopped';
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.beating;
    try {
      await this.deps.repo.markStopped(this.id, new Date().toISOString());
    } catch (error) {
      this.deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not mark this MP stopped in the registry; it will count as dead',
      );
    }
  }
}
