// Over 300 lines: directory settings, publishing and the sealed bind password share one configuration row and its audit.
import { X509Certificate } from 'node:crypto';
import type { Kysely, SiteDatabase } from '@siteport/db';
import type { Logger } from 'pino';
import { type DirectoryConfigInput, type DirectoryView, Secret, SiteportError } from '@siteport/protocol';
import type { AuditRepository, SecretBox, SiteEvents } from '../site/index.js';
import type { DirectoryRepository, StoredDirectorySettings } from './directory-repository.js';
import type { PortSettingsService } from '../ports/index.js';
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
  /** Seals the bind password at rest (the key file in the data dir). */
  box: SecretBox;
  /** Pushes pages that held a plain-text password out of the database files (SQLite: WAL checkpoint). */
  flushDatabase?: () => Promise<void>;
}

/** AES-GCM additional data of a site's sealed bind password: a sealed value copied to another row does not open. */
function passwordContext(siteCode: string): string {
  return `directory-bind:${siteCode}`;
}

/** What is unsafe about stored settings, in words that say what to do. */
function warningsOf(settings: StoredDirectorySettings): string[] {
  if (settings.bindSecret === null || settings.startTls || settings.url.startsWith('ldaps:')) return [];
  return [
    `the bind password for ${settings.bindDn ?? '?'} is sent in clear text to ${settings.url}; use ldaps:// or StartTLS (siteport directory set --start-tls --ldap-ca-file CA.pem)`,
  ];
}

/** The site's directory settings (admin API) and its publisher, kept in step with port changes. */
export class DirectoryService {
  private readonly publisher: DirectoryPublisher;
  private readonly onPortsChanged = (code: string): void => {
    if (code === this.deps.siteCode) this.publisher.request('ports changed');
  };

  constructor(private readonly deps: DirectoryServiceDeps) {
    this.publisher = new DirectoryPublisher({
      siteCode: deps.siteCode,
      load: () => this.job(),
      timing: deps.timing,
      logger: deps.logger,
    });
  }

  /**
   * Seals bind passwords a version before migration 0011 stored in plain text (the key lives in the
   * data dir, so this cannot run inside the migration), then flushes the database so the plain
   * text is not left in a page. Logs what it changed. Runs once at start, before {@link start}.
   */
  async sealPlainPasswords(): Promise<number> {
    const plain = await this.deps.repository.plainPasswords();
    if (plain.length === 0) return 0;
    await this.deps.db.transaction().execute(async (trx) => {
      for (const row of plain)
        await this.deps.repository.sealPassword(
          row.siteCode,
          this.deps.box.encrypt(new Secret(row.password), passwordContext(row.siteCode)),
          trx,
        );
    });
    await this.deps.flushDatabase?.();
    this.deps.logger.warn(
      { sites: plain.map((r) => r.siteCode) },
      'sealed the directory bind password(s) an earlier version stored in plain text in the database',
    );
    return plain.length;
  }

  /** Publishes the current settings (if a directory is configured) and follows every port change. */
  start(): void {
    void this.warnStored();
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
      passwordSet: (stored?.bindSecret ?? null) !== null,
      tls:
        stored === undefined
          ? 'none'
          : stored.url.startsWith('ldaps:')
            ? 'ldaps'
            : stored.startTls
              ? 'starttls'
              : 'none',
      tlsCa: (stored?.tlsCa ?? null) === null ? 'default' : 'custom',
      warnings: stored === undefined ? [] : warningsOf(stored),
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
    const kept = previous !== undefined && previous.bindDn === input.bindDn ? previous.bindSecret : null;
    const sealed =
      input.password === undefined ? kept : this.deps.box.encrypt(new Secret(input.password), passwordContext(code));
    if (input.bindDn !== null && sealed === null) {
      throw new SiteportError(
        'E_DIRECTORY_CONFIG',
        `a password is needed to bind as ${input.bindDn}; send "password"`,
        { details: { field: 'password' } },
      );
    }
    if (input.caCertificate !== null) checkCaPem(input.caCertificate);
    const tls = { startTls: input.startTls, ca: input.caCertificate };
    await this.buildJob(
      code,
      { url: input.location.url, baseDn: input.location.baseDn, bindDn: input.bindDn, password: null, ...tls },
      input.installProperties,
    );
    const next: StoredDirectorySettings = {
      siteCode: code,
      url: input.location.url,
      baseDn: input.location.baseDn,
      bindDn: input.bindDn,
      bindSecret: input.bindDn === null ? null : sealed,
      startTls: input.startTls,
      tlsCa: input.caCertificate,
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
    for (const warning of warningsOf(next))
      this.deps.logger.warn({ siteCode: code, url: next.url }, `directory settings saved, but ${warning}`);
    this.publisher.request('settings changed');
    await this.publisher.settled();
    return this.view(code);
  }

  private async warnStored(): Promise<void> {
    try {
      const stored = await this.deps.repository.find(this.deps.siteCode);
      if (stored === undefined) return;
      for (const warning of warningsOf(stored))
        this.deps.logger.warn({ siteCode: stored.siteCode, url: stored.url }, `directory publishing: ${warning}`);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'reading the directory settings for their warnings failed');
    }
  }

  /** The connection target of stored settings, with the bind password opened. */
  private targetOf(settings: StoredDirectorySettings): DirectoryTarget {
    const password =
      settings.bindSecret === null
        ? null
        : this.deps.box.decrypt(settings.bindSecret, passwordContext(settings.siteCode)).reveal();
    return {
      url: settings.url,
      baseDn: settings.baseDn,
      bindDn: settings.bindDn,
      password,
      startTls: settings.startTls,
      ca: settings.tlsCa,
    };
  }

  /** Removes the site's entries from the directory, then forgets the settings (audited). */
  async remove(code: string, actor: string): Promise<DirectoryView> {
    this.requireOwnSite(code);
    const stored = await this.deps.repository.find(code);
    if (stored === undefined) {
      throw new SiteportError(
        'E_DIRECTORY_NOT_CONFIGURED',
        `site ${code} has no directory configured; nothing to unpublish`,
      );
    }
    const removed = await this.publisher.unpublish(this.targetOf(stored));
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
      throw new SiteportError(
        'E_SITE_NOT_FOUND',
        `this server runs site ${this.deps.siteCode}, not ${code}; ask that site's server`,
      );
    }
  }

  private async job(): Promise<PublishJob | null> {
    const stored = await this.deps.repository.find(this.deps.siteCode);
    if (stored === undefined) return null;
    return this.buildJob(this.deps.siteCode, this.targetOf(stored), stored.installProperties);
  }

  private async buildJob(code: string, target: DirectoryTarget, extra: readonly string[]): Promise<PublishJob> {
    const site = await this.deps.ports.site(code);
    const stored = await this.deps.ports.stored(code);
    const { settings } = stored;
    const ports = { http: { ...settings.http }, https: { ...settings.https } };
    const hosts = this.deps.managementPointHosts;
    const installProperties = publishedProperties(
      {
        siteCode: code,
        managementPoint: hosts[0] ?? 'localhost',
        httpPort: ports.http.default,
        httpsPort: ports.https.default,
        caFingerprint: this.deps.caFingerprint,
      },
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
      managementPoints: hosts.map((host) => ({
        siteCode: code,
        host,
        settingsVersion: stored.version,
        ports,
        notification: settings.notification,
      })),
    };
  }
}

/** Settings as the audit log shows them: whether a password is set, never the password. */
function redact(settings: StoredDirectorySettings): Record<string, unknown> {
  return {
    url: settings.url,
    baseDn: settings.baseDn,
    bindDn: settings.bindDn,
    passwordSet: settings.bindSecret !== null,
    tls: settings.url.startsWith('ldaps:') ? 'ldaps' : settings.startTls ? 'starttls' : 'none',
    tlsCa: settings.tlsCa === null ? 'default' : 'custom',
    installProperties: settings.installProperties,
  };
}

/** Refuses PEM text that holds no parseable certificate, before anything is stored. */
function checkCaPem(pem: string): void {
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new SiteportError(
      'E_DIRECTORY_CONFIG',
      `caCertificate is not a PEM certificate (${(error as Error).message}); give the CA certificate file, e.g. --ldap-ca-file ca.pem`,
      {
        cause: error,
        details: { field: 'caCertificate' },
      },
    );
  }
}
