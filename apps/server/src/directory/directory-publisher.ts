import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { backoffDelay } from '@siteport/backoff';
import { type PublishState, SiteportError, isSiteportError } from '@siteport/protocol';
import { type PublishJob, type PublishOutcome, publishSite, unpublishSite } from './publish-job.js';
import type { DirectoryTarget } from './directory-connection.js';

/** Timing of a {@link DirectoryPublisher}. */
export interface PublisherTiming {
  /** Ceiling of the first retry delay after a failed publish (full jitter); doubles per failure. */
  retryBaseMs: number;
  /** The ceiling never grows past this. */
  retryMaxMs: number;
  /** Timeout of one LDAP connect or operation. */
  timeoutMs: number;
}

/** What the publisher reports (the `publish` part of the directory view). */
export interface PublishStatus {
  state: PublishState;
  publishedVersion: number | null;
  siteDn: string | null;
  managementPoints: string[];
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  nextRetryAt: string | null;
  failures: number;
  lastError: { code: string; message: string; at: string } | null;
}

const channels = {
  published: diagnostics.channel('siteport:directory:published'),
  failed: diagnostics.channel('siteport:directory:failed'),
  unpublished: diagnostics.channel('siteport:directory:unpublished'),
};

/**
 * Keeps one site's directory entries up to date. Transitions:
 * - `off` (no directory configured) → `publishing` on {@link request}
 * - `publishing` → `published`, or `retrying` (the error is kept in the status; a timer with
 *   exponential backoff and full jitter requests the next attempt), or `off` when the settings were removed
 * - `published` | `retrying` → `publishing` on the next {@link request} (ports changed, config changed)
 * - any → `unpublishing` → `off` ({@link unpublish}, which throws if the directory refuses)
 * - any → `stopped` ({@link stop}); a publish in flight is awaited, no retry is scheduled after it.
 * Requests that arrive while a publish runs are coalesced into one more run.
 */
export class DirectoryPublisher {
  private current: PublishStatus = {
    state: 'off',
    publishedVersion: null,
    siteDn: null,
    managementPoints: [],
    lastAttemptAt: null,
    lastSuccessAt: null,
    nextRetryAt: null,
    failures: 0,
    lastError: null,
  };
  private dirty = false;
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      siteCode: string;
      load: () => Promise<PublishJob | null>;
      timing: PublisherTiming;
      logger: Logger;
    },
  ) {}

  /** A copy of the current status. */
  status(): PublishStatus {
    return { ...this.current, managementPoints: [...this.current.managementPoints] };
  }

  /** Asks for a publish of the current settings now (start, ports changed, settings changed, retry). */
  request(reason: string): void {
    if (this.isStopped()) return;
    this.clearRetry();
    this.dirty = true;
    this.deps.logger.debug({ reason }, 'directory publish requested');
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no publish is running (tests, admin reads that want a settled status). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Removes the site's entries now; throws the directory's error (the caller then keeps its settings). */
  async unpublish(target: DirectoryTarget): Promise<string[]> {
    this.clearRetry();
    await this.settled();
    const previous = this.current.state;
    this.setState('unpublishing');
    try {
      const removed = await unpublishSite(target, this.deps.siteCode, this.deps.timing.timeoutMs);
      this.current = {
        ...this.current,
        state: 'off',
        publishedVersion: null,
        siteDn: null,
        managementPoints: [],
        nextRetryAt: null,
        failures: 0,
        lastError: null,
      };
      if (channels.unpublished.hasSubscribers) channels.unpublished.publish({ siteCode: this.deps.siteCode, removed });
      this.deps.logger.info({ removed }, 'unpublished the site from the directory');
      return removed;
    } catch (error) {
      this.setState(previous);
      throw error;
    }
  }

  /** Stops retrying and waits for a publish in flight. */
  async stop(): Promise<void> {
    this.clearRetry();
    this.dirty = false;
    this.setState('stopped');
    await this.settled();
  }

  private async drain(): Promise<void> {
    while (this.dirty && this.current.state !== 'stopped') {
      this.dirty = false;
      await this.publishOnce();
    }
  }

  private async publishOnce(): Promise<void> {
    const job = await this.deps.load();
    if (this.isStopped()) return;
    if (job === null) {
      this.setState('off');
      return;
    }
    this.setState('publishing');
    const at = new Date().toISOString();
    this.current.lastAttemptAt = at;
    let outcome: PublishOutcome;
    try {
      outcome = await publishSite(job, this.deps.timing.timeoutMs);
    } catch (error) {
      this.failed(error, at);
      return;
    }
    this.current = {
      ...this.current,
      state: this.isStopped() ? 'stopped' : 'published',
      publishedVersion: job.site.settingsVersion,
      siteDn: outcome.siteDn,
      managementPoints: outcome.managementPointDns,
      lastSuccessAt: new Date().toISOString(),
      nextRetryAt: null,
      failures: 0,
      lastError: null,
    };
    if (channels.published.hasSubscribers)
      channels.published.publish({ siteCode: job.site.siteCode, version: job.site.settingsVersion, ...outcome });
    this.deps.logger.info(
      { siteDn: outcome.siteDn, version: job.site.settingsVersion, removed: outcome.removedDns },
      'published the site to the directory',
    );
  }

  private failed(error: unknown, at: string): void {
    const failure = isSiteportError(error) ? error : new SiteportError('E_INTERNAL', String(error), { cause: error });
    const failures = this.current.failures + 1;
    const { retryBaseMs, retryMaxMs } = this.deps.timing;
    const delay = backoffDelay(failures - 1, { baseMs: retryBaseMs, capMs: retryMaxMs });
    this.current = {
      ...this.current,
      failures,
      lastError: { code: failure.code, message: failure.message, at },
      nextRetryAt: new Date(Date.now() + delay).toISOString(),
    };
    if (this.isStopped()) return;
    this.setState('retrying');
    if (channels.failed.hasSubscribers)
      channels.failed.publish({ siteCode: this.deps.siteCode, code: failure.code, failures, retryInMs: delay });
    this.deps.logger.warn({ code: failure.code, failures, retryInMs: delay }, failure.message);
    if (!this.dirty) {
      this.retryTimer = setTimeout(() => this.request('retry'), delay);
      this.retryTimer.unref();
    }
  }

  private isStopped(): boolean {
    return this.current.state === 'stopped';
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.current.nextRetryAt = null;
  }

  private setState(state: PublishState): void {
    if (this.isStopped() && state !== 'stopped') return;
    this.current.state = state;
  }
}
