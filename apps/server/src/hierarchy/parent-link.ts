import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { type ParentLinkView, type PortsView, type SecondaryStatus, type SecondarySyncResponse, isSiteportError } from '@siteport/protocol';
import { type PeerTarget, callPeer } from './peer-client.js';
import { portsEtag } from './ports-etag.js';

/** connecting → in-sync ⇄ primary-unreachable → stopped (on stop from any state). */
export type ParentLinkState = ParentLinkView['state'];

const syncChannel = diagnostics.channel('siteport:hierarchy:sync');

/** Options of a secondary site's link to its primary. */
export interface ParentLinkOptions {
  target: PeerTarget;
  siteCode: string;
  /** How long the primary may hold each sync call when nothing changes. @default 25 */
  waitSeconds: number;
  /** Pause after a failed call; doubles up to 8× while the primary stays unreachable. @default 1000 */
  retryMs: number;
}

/**
 * A secondary site's link to its primary (SPEC S7): registers, then long-polls the primary's port
 * settings and applies every change; while the primary is unreachable it keeps the last known
 * settings and reports the state.
 */
export class ParentLink {
  private stateValue: ParentLinkState = 'connecting';
  private primary: string | null = null;
  private etag: string | null = null;
  private syncedVersion: number | null = null;
  private lastSyncAt: string | null = null;
  private unreachableSince: string | null = null;
  private lastError: string | null = null;
  private registered = false;
  private abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ParentLinkOptions,
    private readonly deps: {
      apply: (view: PortsView, primary: string) => Promise<unknown>;
      status: () => Promise<SecondaryStatus>;
      registration: () => { adminUrl: string; caFingerprint: string };
      logger: Logger;
    },
  ) {}

  private get stopped(): boolean {
    return this.stateValue === 'stopped';
  }

  get state(): ParentLinkState {
    return this.stateValue;
  }

  view(): ParentLinkView {
    return {
      siteCode: this.primary,
      url: this.options.target.url,
      state: this.stateValue,
      syncedVersion: this.syncedVersion,
      lastSyncAt: this.lastSyncAt,
      unreachableSince: this.unreachableSince,
      lastError: this.lastError,
    };
  }

  /** Reads the primary's code and current ports once (used before the secondary site exists). */
  async fetchPrimary(): Promise<{ primary: string; ports: PortsView }> {
    const { siteCode } = await callPeer<{ siteCode: string }>(this.options.target, 'GET', '/health');
    const ports = await callPeer<PortsView>(this.options.target, 'GET', `/sites/${siteCode}/ports`);
    this.primary = siteCode;
    return { primary: siteCode, ports };
  }

  /** Starts the sync loop in the background. */
  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.once();
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        failures += 1;
        this.markUnreachable(error);
        await this.sleep(this.options.retryMs * Math.min(8, 2 ** (failures - 1)));
      }
    }
  }

  private async once(): Promise<void> {
    const signal = this.abort.signal;
    if (!this.registered) {
      if (this.primary === null) await this.fetchPrimary();
      const reg = this.deps.registration();
      const answer = await callPeer<SecondarySyncResponse>(
        this.options.target,
        'POST',
        `/sites/${this.primary ?? ''}/secondaries`,
        { siteCode: this.options.siteCode, ...reg },
        { signal },
      );
      this.registered = true;
      await this.applied(answer);
    }
    const answer = await callPeer<SecondarySyncResponse>(
      this.options.target,
      'POST',
      `/sites/${this.primary ?? ''}/secondaries/${this.options.siteCode}/sync`,
      { knownEtag: this.etag, waitSeconds: this.options.waitSeconds, status: await this.deps.status() },
      { signal, timeoutMs: (this.options.waitSeconds + 15) * 1000 },
    ).catch((error: unknown) => {
      // The primary forgot this secondary (e.g. a restored database): register again next round.
      if (isSiteportError(error, 'E_SITE_NOT_FOUND')) this.registered = false;
      throw error;
    });
    await this.applied(answer);
  }

  private async applied(answer: SecondarySyncResponse): Promise<void> {
    if (answer.changed || this.etag !== answer.etag) await this.deps.apply(answer.ports, answer.primary);
    this.primary = answer.primary;
    this.etag = portsEtag(answer.ports);
    this.syncedVersion = answer.ports.version;
    this.lastSyncAt = new Date().toISOString();
    if (this.stateValue !== 'in-sync' && this.stateValue !== 'stopped') {
      if (this.unreachableSince !== null) this.deps.logger.info({ primary: answer.primary, since: this.unreachableSince }, 'primary site reachable again');
      this.stateValue = 'in-sync';
      this.unreachableSince = null;
      this.lastError = null;
      syncChannel.publish({ state: 'in-sync', primary: answer.primary, version: answer.ports.version });
    }
  }

  private markUnreachable(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = message;
    if (this.stateValue === 'primary-unreachable') return;
    this.stateValue = 'primary-unreachable';
    this.unreachableSince = new Date().toISOString();
    syncChannel.publish({ state: 'primary-unreachable', url: this.options.target.url, error: message });
    this.deps.logger.warn({ url: this.options.target.url, err: message }, 'primary site unreachable; serving the last known port settings');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops the loop and aborts a call in flight. */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.abort.abort();
    await this.loop;
    this.abort = new AbortController();
  }
}
