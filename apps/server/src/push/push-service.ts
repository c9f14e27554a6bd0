// Over 400 lines for now: push attempts, approval and secrets share one transaction flow; the split into feature files is part of the open architecture reshape.
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  PUSH_ENTERED_SOURCES,
  type PushApproval,
  type PushCandidateInput,
  type PushHostList,
  type PushHostSpec,
  type PushHostView,
  type PushSettingsChange,
  type PushSettingsView,
  type Secret,
  SiteportError,
  isHostName,
  isSiteportError,
} from '@siteport/protocol';
import type { AuditRepository, SecretBox, SiteEvents } from '../site/index.js';
import type { PushHostRow, PushRepository, PushSettingsRow } from './push-repository.js';
import type { PortSettingsService } from '../ports/index.js';
import type { AgentBundle } from './agent-bundle-source.js';
import { type PushStep, runPushAttempt } from './push-installer.js';
import { auditSpec, hostView, settingsOrDefault, settingsView } from './push-views.js';
import { RegistrationWaiter } from './registration-waiter.js';
import { nextAttempt } from './retry-schedule.js';

/** Lifecycle of the push scheduler: idle → running → stopping → stopped. */
export type PushServiceState = 'idle' | 'running' | 'stopping' | 'stopped';

/** diagnostics_channel of every per-host status change: `{ siteCode, hostId, host, port, status, errorCode }`. */
const PUSH_STATUS_CHANNEL = diagnostics.channel('siteport:push:status');

/** What the push service needs from the site server. */
export interface PushServiceDeps {
  siteCode: string;
  db: Kysely<SiteDatabase>;
  push: PushRepository;
  audit: AuditRepository;
  ports: PortSettingsService;
  events: SiteEvents;
  box: SecretBox;
  caFingerprint: string;
  /** SMSMP for pushed clients unless the push settings name one. */
  defaultManagementPoint: string;
  /** A registered client's site and reported host name (a push candidate's source), or undefined. */
  clientHost: (clientId: string) => Promise<{ siteCode: string; hostname: string } | undefined>;
  /** The offline agent bundle to upload (the prebuilt file, read at each push). */
  bundle: () => Promise<AgentBundle>;
  /**
   * A one-time registration token for a pushed host, or null when the site registers openly
   * (decision 0095): an admin chose the host, so its client is registered and approved at once.
   */
  registrationToken?: (
    siteCode: string,
    host: string,
    validSeconds: number,
    keyConfirmed: boolean,
  ) => Promise<string | null>;
  logger: Logger;
  /** How often due hosts are looked for. @default 1000 */
  tickMs?: number;
  /** Hosts installed at the same time. @default 4 */
  concurrency?: number;
  /** SSH connect + handshake timeout. @default 20000 */
  connectTimeoutMs?: number;
  /** Deadline of each remote command of an attempt (prepare, unpack and setup). @default 600000 */
  commandTimeoutMs?: number;
  /** An upload of the bundle with no progress for this long is abandoned. @default 60000 */
  uploadStallMs?: number;
}

/**
 * Client push installation: the host inventory, site push settings with an encrypted
 * push account, the "install client" action, site-wide automatic push, and a scheduler that runs
 * due attempts and retries failures on the site's schedule.
 */
export class PushService {
  private stateValue: PushServiceState = 'idle';
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly waiter = new RegistrationWaiter();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly log: Logger;

  constructor(private readonly deps: PushServiceDeps) {
    this.log = deps.logger;
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

  private async settingsRow(code: string): Promise<PushSettingsRow> {
    await this.deps.ports.site(code);
    return settingsOrDefault(code, await this.deps.push.settings(code), this.deps.defaultManagementPoint);
  }

  async settings(code: string): Promise<PushSettingsView> {
    return settingsView(await this.settingsRow(code), this.deps.defaultManagementPoint);
  }

  /** Changes push settings; a new secret replaces the stored one (encrypted) and is audited as `[redacted]`. */
  async changeSettings(code: string, change: PushSettingsChange, actor: string): Promise<PushSettingsView> {
    const before = await this.settingsRow(code);
    const now = new Date().toISOString();
    const next: PushSettingsRow = {
      ...before,
      ...(change.autoPush === undefined ? {} : { auto_push: change.autoPush ? 1 : 0 }),
      ...(change.retryIntervalSeconds === undefined ? {} : { retry_interval_seconds: change.retryIntervalSeconds }),
      ...(change.retryForSeconds === undefined ? {} : { retry_for_seconds: change.retryForSeconds }),
      ...(change.registrationTimeoutSeconds === undefined
        ? {}
        : { registration_timeout_seconds: change.registrationTimeoutSeconds }),
      ...(change.acceptNewHostKeys === undefined ? {} : { accept_new_host_keys: change.acceptNewHostKeys ? 1 : 0 }),
      ...(change.managementPoint === undefined ? {} : { management_point: change.managementPoint }),
      ...(change.defaultInstallDir === undefined ? {} : { default_install_dir: change.defaultInstallDir }),
      ...(change.user === undefined ? {} : { user_name: change.user }),
      ...(change.secret === undefined
        ? {}
        : {
            auth_kind: change.secret.kind,
            secret: this.deps.box.encrypt(change.secret.value, `push-settings:${code}`),
          }),
      updated_at: now,
    };
    await this.deps.push.saveSettings(next);
    const oldView = settingsView(before, this.deps.defaultManagementPoint);
    const newView = settingsView(next, this.deps.defaultManagementPoint);
    await this.deps.audit.append(this.deps.db, {
      at: now,
      actor,
      siteCode: code,
      action: 'push-settings',
      oldValue: oldView,
      newValue: { ...newView, ...(change.secret === undefined ? {} : { secret: '[redacted]' }) },
      outcome: 'applied',
    });
    this.log.info(
      { siteCode: code, autoPush: newView.autoPush, secretChanged: change.secret !== undefined },
      'push settings changed',
    );
    return newView;
  }

  async hosts(code: string): Promise<PushHostList> {
    const settings = await this.settingsRow(code);
    return { hosts: (await this.deps.push.hosts(code)).map((row) => hostView(row, settings)) };
  }

  /**
   * Adds hosts to the inventory (or updates the ones already there). Hosts an administrator entered
   * (api, cli, file) are push targets; hosts from a scan are candidates that nothing connects to
   * until an administrator approves them. With `install` (the "install client" action), or for new
   * targets while automatic push is on, the targets are queued now.
   */
  async addHosts(
    code: string,
    specs: readonly PushHostSpec[],
    actor: string,
    install: boolean,
    from?: { clientId: string },
  ): Promise<PushHostList> {
    const settings = await this.settingsRow(code);
    const now = new Date().toISOString();
    const ids: string[] = [];
    let candidates = 0;
    for (const spec of specs) {
      const existing = await this.deps.push.findHost(code, spec.host, spec.port);
      const id = existing?.id ?? randomUUID();
      const approval: PushApproval =
        existing?.approval === 'approved' || PUSH_ENTERED_SOURCES.includes(spec.source) ? 'approved' : 'candidate';
      const own = {
        approval,
        ...(spec.user === undefined ? {} : { user_name: spec.user }),
        ...(spec.secret === undefined
          ? {}
          : { auth_kind: spec.secret.kind, secret: this.deps.box.encrypt(spec.secret.value, `push-host:${id}`) }),
        ...(spec.hostKey === undefined
          ? {}
          : { host_key: spec.hostKey, host_key_source: 'given' as const, presented_host_key: null }),
        ...(spec.installDir === undefined ? {} : { install_dir: spec.installDir }),
      };
      const newTarget = existing === undefined || existing.approval === 'candidate';
      const queue = approval === 'approved' && (install || (newTarget && settings.auto_push === 1));
      if (approval === 'candidate') candidates += 1;
      const queued =
        queue && !this.inFlight.has(id)
          ? { status: 'queued', queued_at: now, next_attempt_at: now, error_code: null, reason: null }
          : {};
      if (existing === undefined) {
        await this.deps.push.insertHost({
          id,
          site_code: code,
          host: spec.host,
          port: spec.port,
          install_dir: null,
          source: spec.source,
          user_name: null,
          auth_kind: null,
          secret: null,
          host_key: null,
          host_key_source: null,
          presented_host_key: null,
          status: 'new',
          error_code: null,
          reason: null,
          attempts: 0,
          queued_at: null,
          next_attempt_at: null,
          last_attempt_at: null,
          client_id: null,
          key_fingerprint: null,
          registered_at: null,
          installed_ports: null,
          created_at: now,
          updated_at: now,
          ...own,
          ...queued,
        });
      } else {
        await this.deps.push.updateHost(id, { ...own, ...queued, updated_at: now });
      }
      ids.push(id);
      if (queue) this.publish(code, id, spec.host, spec.port, 'queued', null);
    }
    await this.deps.audit.append(this.deps.db, {
      at: now,
      actor,
      siteCode: code,
      action: install ? 'push-install' : 'push-hosts-add',
      oldValue: null,
      newValue: { hosts: specs.map(auditSpec), ...from },
      outcome: candidates === specs.length ? 'candidate' : install || settings.auto_push === 1 ? 'queued' : 'added',
    });
    this.log.info(
      { siteCode: code, hosts: specs.map((s) => `${s.host}:${s.port}`), install, candidates },
      candidates > 0
        ? 'hosts added to the push inventory; candidates wait for approval'
        : install
          ? 'install client queued'
          : 'hosts added to the push inventory',
    );
    if (this.stateValue === 'running') void this.tick();
    const all = await this.deps.push.hosts(code);
    return { hosts: all.filter((row) => ids.includes(row.id)).map((row) => hostView(row, settings)) };
  }

  /**
   * The console's "push install" of a device: the host name the client reported becomes a push
   * candidate (or, when an administrator already made that host a target, it is queued). A
   * client chooses its own name, so nothing connects to it before an administrator approves it.
   */
  async addClientCandidate(code: string, input: PushCandidateInput, actor: string): Promise<PushHostList> {
    await this.settingsRow(code);
    const client = await this.deps.clientHost(input.clientId);
    if (client === undefined || client.siteCode !== code) {
      throw new SiteportError(
        'E_CLIENT_NOT_FOUND',
        `site ${code} has no client ${input.clientId}; list clients with siteport client status`,
      );
    }
    const host = client.hostname.toLowerCase();
    if (!isHostName(host)) {
      throw new SiteportError(
        'E_VALIDATION',
        `client ${input.clientId} reports a host name that is not a DNS name or IP address (${JSON.stringify(client.hostname.slice(0, 64))}); add the host by its real name: siteport push add HOST`,
        { details: { field: 'clientId' } },
      );
    }
    return this.addHosts(code, [{ host, port: input.port, source: 'client' }], actor, true, {
      clientId: input.clientId,
    });
  }

  /**
   * Approves a host: a candidate becomes a push target, and with `hostKey` that fingerprint is
   * pinned (the administrator checked the key the host presented). Queues an install now.
   */
  async approve(code: string, id: string, change: { hostKey?: string }, actor: string): Promise<PushHostView> {
    const settings = await this.settingsRow(code);
    const row = await this.deps.push.host(id);
    if (row === undefined || row.site_code !== code) {
      throw new SiteportError(
        'E_PUSH_HOST_NOT_FOUND',
        `site ${code} has no push host ${id}; list them with siteport push status`,
      );
    }
    const now = new Date().toISOString();
    const pin =
      change.hostKey === undefined
        ? {}
        : { host_key: change.hostKey, host_key_source: 'given' as const, presented_host_key: null };
    const queued = this.inFlight.has(id)
      ? {}
      : { status: 'queued', queued_at: now, next_attempt_at: now, error_code: null, reason: null };
    await this.deps.push.updateHost(id, { approval: 'approved', ...pin, ...queued, updated_at: now });
    await this.deps.audit.append(this.deps.db, {
      at: now,
      actor,
      siteCode: code,
      action: 'push-host-approve',
      oldValue: {
        host: row.host,
        port: row.port,
        approval: row.approval,
        hostKey: row.host_key,
        presentedHostKey: row.presented_host_key,
      },
      newValue: { host: row.host, port: row.port, approval: 'approved', hostKey: change.hostKey ?? row.host_key },
      outcome: 'queued',
    });
    this.log.info({ siteCode: code, host: `${row.host}:${row.port}`, hostKey: change.hostKey }, 'push host approved');
    this.publish(code, id, row.host, row.port, 'queued', null);
    if (this.stateValue === 'running') void this.tick();
    const updated = await this.deps.push.host(id);
    return hostView(updated ?? row, settings);
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
        const run = this.attempt(row).finally(() => this.inFlight.delete(row.id));
        this.inFlight.set(row.id, run);
      }
    } catch (error) {
      this.log.error({ err: error }, 'looking for due push attempts failed; trying again at the next tick');
    } finally {
      this.ticking = false;
    }
  }

  private publish(
    siteCode: string,
    hostId: string,
    host: string,
    port: number,
    status: string,
    errorCode: string | null,
  ): void {
    if (PUSH_STATUS_CHANNEL.hasSubscribers)
      PUSH_STATUS_CHANNEL.publish({ siteCode, hostId, host, port, status, errorCode });
  }

  private credential(
    row: PushHostRow,
    settings: PushSettingsRow,
  ): { user: string; secret: { kind: 'key' | 'password'; value: Secret } } {
    const sealed = row.secret ?? settings.secret;
    const kind = row.secret === null ? settings.auth_kind : row.auth_kind;
    const user = row.user_name ?? settings.user_name ?? 'root';
    if (sealed === null || kind === null) {
      throw new SiteportError(
        'E_PUSH_NO_CREDENTIALS',
        `no push account is configured for ${row.host}; set one with siteport push settings set --key FILE (or per host with siteport push ${row.host} --key FILE)`,
      );
    }
    const context = row.secret === null ? `push-settings:${row.site_code}` : `push-host:${row.id}`;
    return { user, secret: { kind, value: this.deps.box.decrypt(sealed, context) } };
  }

  private async attempt(row: PushHostRow): Promise<void> {
    const where = `${row.host}:${row.port}`;
    const code = row.site_code;
    const started = Date.now();
    // Status writes of one attempt go out in order: the installer reports its steps without waiting,
    // and a step write that landed after the outcome would leave the host "connecting" forever.
    let written: Promise<void> = Promise.resolve();
    const step = (status: PushStep | 'registered' | 'failed', fields: Partial<PushHostRow> = {}): Promise<void> => {
      const write = async (): Promise<void> => {
        await this.deps.push.updateHost(row.id, { status, updated_at: new Date().toISOString(), ...fields });
        this.publish(code, row.id, row.host, row.port, status, fields.error_code ?? null);
      };
      written = written.then(write, write);
      return written;
    };
    let settings: PushSettingsRow | undefined;
    try {
      if (row.approval !== 'approved') {
        throw new SiteportError(
          'E_PUSH_NOT_APPROVED',
          `${where} is a push candidate; approve it first: siteport push approve ${where}`,
        );
      }
      settings = await this.settingsRow(code);
      const cred = this.credential(row, settings);
      const stored = await this.deps.ports.stored(code);
      const mp = settings.management_point ?? this.deps.defaultManagementPoint;
      const properties = [
        `SMSSITECODE=${code}`,
        `SMSMP=${mp}`,
        `CCMHTTPPORT=${stored.settings.http.default}`,
        `CCMHTTPSPORT=${stored.settings.https.default}`,
        `SMSCAFINGERPRINT=${this.deps.caFingerprint}`,
      ];
      // Valid a little longer than the push waits for the registration (copy and setup come first).
      // A token goes only to a host whose key an administrator confirmed (decision 0095): one pinned on first use could be anyone's.
      const token = await this.deps.registrationToken?.(
        code,
        where,
        settings.registration_timeout_seconds + 900,
        row.host_key_source === 'given',
      );
      if (token != null) properties.push(`SMSREGTOKEN=${token}`);
      const installDir = row.install_dir ?? settings.default_install_dir;
      const bundle = await this.deps.bundle();
      await step('connecting', { last_attempt_at: new Date(started).toISOString() });
      const installed = await runPushAttempt({
        target: {
          host: row.host,
          port: row.port,
          user: cred.user,
          secret: cred.secret,
          hostKey: row.host_key,
          acceptNewHostKey: settings.accept_new_host_keys === 1,
          connectTimeoutMs: this.deps.connectTimeoutMs ?? 20_000,
        },
        bundle,
        installDir,
        properties,
        signal: this.abort.signal,
        commandTimeoutMs: this.deps.commandTimeoutMs ?? 600_000,
        uploadStallMs: this.deps.uploadStallMs ?? 60_000,
        onStep: (s) =>
          void step(s).catch((error: unknown) =>
            this.log.warn({ err: error, host: where }, 'recording a push step failed'),
          ),
        onConnected: (hostKey) => {
          if (row.host_key === null) void this.pinFirstUse(row, hostKey);
        },
      });
      const timeout = settings.registration_timeout_seconds * 1000;
      const clientId = await this.waiter.wait(installed.keyFingerprint, started, timeout, where, this.abort.signal);
      await step('registered', {
        attempts: row.attempts + 1,
        client_id: clientId,
        key_fingerprint: installed.keyFingerprint,
        registered_at: new Date().toISOString(),
        installed_ports: JSON.stringify({
          http: stored.settings.http.default,
          https: stored.settings.https.default,
          settingsVersion: stored.version,
        }),
        error_code: null,
        reason: null,
        next_attempt_at: null,
      });
      this.log.info(
        {
          siteCode: code,
          host: where,
          clientId,
          http: stored.settings.http.default,
          https: stored.settings.https.default,
        },
        'client pushed and registered',
      );
    } catch (error) {
      if (this.stateValue !== 'running') {
        // Cancelled by shutdown: queued again at the next start, not counted as a failure.
        await step('queued' as PushStep, { next_attempt_at: new Date().toISOString() });
        return;
      }
      const failure = isSiteportError(error)
        ? error
        : new SiteportError('E_INTERNAL', (error as Error).message, { cause: error });
      // The handshake accepted a new host key before authentication failed: pin it as well.
      const presented = failure.details?.presentedHostKey;
      if (
        row.host_key === null &&
        settings?.accept_new_host_keys === 1 &&
        failure.code === 'E_PUSH_AUTH' &&
        typeof presented === 'string'
      ) {
        await this.pinFirstUse(row, presented);
      }
      const now = new Date();
      const schedule = settings ?? settingsOrDefault(code, undefined, this.deps.defaultManagementPoint);
      const queuedAt = row.queued_at === null ? now : new Date(row.queued_at);
      // An unconfirmed key or an unapproved host waits for an administrator, not for the schedule.
      const waits = failure.code === 'E_PUSH_HOST_KEY_UNCONFIRMED' || failure.code === 'E_PUSH_NOT_APPROVED';
      const { nextAttemptAt } = waits
        ? { nextAttemptAt: null }
        : nextAttempt(queuedAt, now, {
            retryIntervalSeconds: schedule.retry_interval_seconds,
            retryForSeconds: schedule.retry_for_seconds,
          });
      await step('failed', {
        attempts: row.attempts + 1,
        error_code: failure.code,
        reason: failure.message,
        next_attempt_at: nextAttemptAt === null ? null : nextAttemptAt.toISOString(),
        ...(failure.code.startsWith('E_PUSH_HOST_KEY') && typeof presented === 'string'
          ? { presented_host_key: presented }
          : {}),
      });
      this.log.warn(
        { siteCode: code, host: where, code: failure.code, nextAttemptAt },
        `push failed: ${failure.message}`,
      );
    }
  }

  private async pinFirstUse(row: PushHostRow, hostKey: string): Promise<void> {
    const now = new Date().toISOString();
    row.host_key = hostKey;
    await this.deps.push.updateHost(row.id, { host_key: hostKey, host_key_source: 'first-use', updated_at: now });
    await this.deps.audit.append(this.deps.db, {
      at: now,
      actor: 'push',
      siteCode: row.site_code,
      action: 'push-host-key-pinned',
      oldValue: null,
      newValue: { host: row.host, port: row.port, hostKey, how: 'first-use' },
      outcome: 'pinned',
    });
    this.log.info({ host: `${row.host}:${row.port}`, hostKey }, 'pinned the host key on first use');
  }
}
