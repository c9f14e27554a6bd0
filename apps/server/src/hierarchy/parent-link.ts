import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { backoffDelay } from '@siteport/backoff';
import {
  type ParentLinkView,
  type PortsView,
  type SecondaryStatus,
  type SecondarySyncResponse,
  isSiteportError,
} from '@siteport/protocol';
import type { ParentLinkToken } from './parent-link-token.js';
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
  /** Ceiling of the pause after a failed call (full jitter); doubles up to 8× while the primary stays unreachable. @default 1000 */
  retryMs: number;
}

/**
 * A secondary site's link to its primary: registers, then long-polls the primary's port
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
  /** The `secondary` token the primary issued (decision 0094); preferred over the token file's. */
  private linkToken: string | undefined;

  constructor(
    private readonly options: ParentLinkOptions,
    private readonly deps: {
      apply: (view: PortsView, primary: string) => Promise<unknown>;
      status: () => Promise<SecondaryStatus>;
      registration: () => { adminUrl: string; caFingerprint: string };
      /** Where the link token the primary issues is kept; absent: always the target's token. */
      linkToken?: { store: ParentLinkToken; current: string | undefined };
      logger: Logger;
    },
  ) {
    this.linkToken = deps.linkToken?.current;
  }

  /**
   * Calls the primary with the link token when there is one, else with the token file's. A refused
   * link token (revoked, or a restored primary database) is dropped and the call made once more with
   * the token file's token, if there is one; the next round registers again for a new link token.
   */
  private async call<T>(
    method: string,
    pathUnderApi: string,
    body?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const link = this.linkToken;
    try {
      return await callPeer<T>(
        link === undefined ? this.options.target : { ...this.options.target, token: link },
        method,
        pathUnderApi,
        body,
        options,
      );
    } catch (error) {
      if (link === undefined || !isSiteportError(error, 'E_UNAUTHORIZED') || this.options.target.token === '')
        throw error;
      this.deps.logger.warn(
        { err: error.message },
        "the primary refused this secondary's link token; using the token file to attach again",
      );
      this.linkToken = undefined;
      this.registered = false;
      await this.deps.linkToken?.store.clear();
      return callPeer<T>(this.options.target, method, pathUnderApi, body, options);
    }
  }

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
    const { siteCode } = await this.call<{ siteCode: string }>('GET', '/health');
    const ports = await this.call<PortsView>('GET', `/sites/${siteCode}/ports`);
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
        await this.sleep(backoffDelay(failures - 1, { baseMs: this.options.retryMs, capMs: this.options.retryMs * 8 }));
      }
    }
  }

  private async once(): Promise<void> {
    const signal = this.abort.signal;
    if (!this.registered) {
      if (this.primary === null) await this.fetchPrimary();
      const reg = this.deps.registration();
      const answer = await this.call<SecondarySyncResponse>(
        'POST',
        `/sites/${this.primary ?? ''}/secondaries`,
        { siteCode: this.options.siteCode, ...reg },
        { signal },
      );
      this.registered = true;
      if (answer.linkToken !== undefined) await this.keepLinkToken(answer.linkToken);
      await this.applied(answer);
    }
    const answer = await this.call<SecondarySyncResponse>(
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

  /** Stores the link token before using it: a restart then finds it. */
  private async keepLinkToken(token: string): Promise<void> {
    if (this.deps.linkToken === undefined) return;
    await this.deps.linkToken.store.save(token);
    this.linkToken = token;
    this.deps.logger.info(
      { file: this.deps.linkToken.store.file },
      'the primary issued a link token for this secondary; the token file is no longer needed',
    );
  }

  private async applied(answer: SecondarySyncResponse): Promise<void> {
    if (answer.changed || this.etag !== answer.etag) await this.deps.apply(answer.ports, answer.primary);
    this.primary = answer.primary;
    this.etag = portsEtag(answer.ports);
    this.syncedVersion = answer.ports.version;
    this.lastSyncAt = new Date().toISOString();
    if (this.stateValue !== 'in-sync' && this.stateValue !== 'stopped') {
      if (this.unreachableSince !== null)
        this.deps.logger.info(
          { primary: answer.primary, since: this.unreachableSince },
          'primary site reachable again',
        );
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
    this.deps.logger.warn(
      { url: this.options.target.url, err: message },
      'primary site unreachable; serving the last known port settings',
    );
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
