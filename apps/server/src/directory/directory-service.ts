import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import { type DirectoryConfigInput, type DirectoryView, SiteportError } from '@siteport/protocol';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { DirectoryRepository, StoredDirectorySettings } from '../repositories/directory-repository.js';
import type { PortSettingsService } from '../services/port-settings-service.js';
import type { SiteEvents } from '../services/site-events.js';
import { DirectoryPublisher, type PublisherTiming } from './directory-publisher.js';
import type { DirectoryTarget } from './directory-connection.js';
import type { PublishJob } from './publish-job.js';
import { publishedProperties } from './publish-properties.js';

/** What the directory service needs from the rest of the site server. */
export interface DirectoryServiceDeps {
  siteCode: string;
  db: Kysely<SiteDatabase>;
  repository: DirectoryRepository;
  ports: PortSettingsService;
  audit: AuditRepository;
  events: SiteEvents;
  caCertificate: string;
  caFingerprint: string;
  /** Host names of this site's management points, one directory entry each. */
  managementPointHosts: readonly string[];
  timing: PublisherTiming;
  logger: Logger;
}

function targetOf(settings: StoredDirectorySettings): DirectoryTarget {
  return { url: settings.url, baseDn: settings.baseDn, bindDn: settings.bindDn, password: settings.bindPassword };
}

/** The site's directory settings (admin API) and its publisher, kept in step with port changes. */
export class DirectoryService {
  private readonly publisher: DirectoryPublisher;
  private readonly onPortsChanged = (code: string): void => {
    if (code === this.deps.siteCode) this.publisher.request('ports changed');
  };

  constructor(private readonly deps: DirectoryServiceDeps) {
    this.publisher = new DirectoryPublisher({ siteCode: deps.siteCode, load: () => this.job(), timing: deps.timing, logger: deps.logger });
  }

  /** Publishes the current settings (if a directory is configured) and follows every port change. */
  start(): void {
    this.deps.events.on('ports-changed', this.onPortsChanged);
    this.publisher.request('start');
  }

  async stop(): Promise<void> {
    this.deps.events.off('ports-changed', this.onPortsChanged);
    await this.publisher.stop();
  }

  /** Whether directory-joined clients can learn settings from the directory now (rollout impact, B2). */
  isPublishing(): boolean {
    const { state } = this.publisher.status();
    return state === 'published' || state === 'publishing';
  }

  /** Waits for a publish in flight (admin reads after a change show its outcome). */
  settled(): Promise<void> {
    return this.publisher.settled();
  }

  /** The configuration (never the password) and the publish status. */
  async view(code: string): Promise<DirectoryView> {
    this.requireOwnSite(code);
    const stored = await this.deps.repository.find(code);
    const current = await this.deps.ports.stored(code);
    return {
      siteCode: code,
      configured: stored !== undefined,
      url: stored?.url ?? null,
      baseDn: stored?.baseDn ?? null,
      bindDn: stored?.bindDn ?? null,
      passwordSet: (stored?.bindPassword ?? null) !== null,
      installProperties: stored?.installProperties ?? [],
      publish: { ...this.publisher.status(), currentVersion: current.version },
    };
  }

  /**
   * Validates and stores the settings (audited, password kept when omitted), then publishes at
   * once and returns the view with that first attempt's outcome. A failed publish does not undo
   * the settings: it is retried and shown in the status.
   */
  async configure(code: string, input: DirectoryConfigInput, actor: string): Promise<DirectoryView> {
    this.requireOwnSite(code);
    const previous = await this.deps.repository.find(code);
    const password = input.password ?? (previous !== undefined && previous.bindDn === input.bindDn ? previous.bindPassword : null);
    if (input.bindDn !== null && password === null) {
      throw new SiteportError('E_DIRECTORY_CONFIG', `a password is needed to bind as ${input.bindDn}; send "password"`, { details: { field: 'password' } });
    }
    await this.buildJob(code, { url: input.location.url, baseDn: input.location.baseDn, bindDn: input.bindDn, password }, input.installProperties);
    const next: StoredDirectorySettings = {
      siteCode: code,
      url: input.location.url,
      baseDn: input.location.baseDn,
      bindDn: input.bindDn,
      bindPassword: password,
      installProperties: input.installProperties,
      updatedAt: new Date().toISOString(),
      updatedBy: actor,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repository.save(next, trx);
      await this.deps.audit.append(trx, {
        at: next.updatedAt,
        actor,
        siteCode: code,
        action: 'directory.configure',
        oldValue: previous === undefined ? null : redact(previous),
        newValue: redact(next),
        outcome: 'saved',
      });
    });
    this.publisher.request('settings changed');
    await this.publisher.settled();
    return this.view(code);
  }

  /** Removes the site's entries from the directory, then forgets the settings (audited). */
  async remove(code: string, actor: string): Promise<DirectoryView> {
    this.requireOwnSite(code);
    const stored = await this.deps.repository.find(code);
    if (stored === undefined) {
      throw new SiteportError('E_DIRECTORY_NOT_CONFIGURED', `site ${code} has no directory configured; nothing to unpublish`);
    }
    const removed = await this.publisher.unpublish(targetOf(stored));
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repository.remove(code, trx);
      await this.deps.audit.append(trx, {
        at: new Date().toISOString(),
        actor,
        siteCode: code,
        action: 'directory.remove',
        oldValue: redact(stored),
        newValue: { removedEntries: removed },
        outcome: 'unpublished',
      });
    });
    return this.view(code);
  }

  private requireOwnSite(code: string): void {
    if (code !== this.deps.siteCode) {
      throw new SiteportError('E_SITE_NOT_FOUND', `this server runs site ${this.deps.siteCode}, not ${code}; ask that site's server`);
    }
  }

  private async job(): Promise<PublishJob | null> {
    const stored = await this.deps.repository.find(this.deps.siteCode);
    if (stored === undefined) return null;
    return this.buildJob(this.deps.siteCode, targetOf(stored), stored.installProperties);
  }

  private async buildJob(code: string, target: DirectoryTarget, extra: readonly string[]): Promise<PublishJob> {
    const site = await this.deps.ports.site(code);
    const stored = await this.deps.ports.stored(code);
    const { settings } = stored;
    const ports = { http: { ...settings.http }, https: { ...settings.https } };
    const hosts = this.deps.managementPointHosts;
    const installProperties = publishedProperties(
      { siteCode: code, managementPoint: hosts[0] ?? 'localhost', httpPort: ports.http.default, httpsPort: ports.https.default, caFingerprint: this.deps.caFingerprint },
      extra,
    );
    return {
      target,
      site: {
        siteCode: code,
        settingsVersion: stored.version,
        ports,
        notification: settings.notification,
        customWebSite: settings.customWebSite,
        communicationMode: stored.communicationMode,
        policyIntervalSeconds: site.policyIntervalSeconds,
        installProperties,
        caCertificate: this.deps.caCertificate.trim(),
      },
      managementPoints: hosts.map((host) => ({ siteCode: code, host, settingsVersion: stored.version, ports, notification: settings.notification })),
    };
  }
}

/** Settings as the audit log shows them: whether a password is set, never the password. */
function redact(settings: StoredDirectorySettings): Record<string, unknown> {
  return {
    url: settings.url,
    baseDn: settings.baseDn,
    bindDn: settings.bindDn,
    passwordSet: settings.bindPassword !== null,
    installProperties: settings.installProperties,
  };
}
