import diagnostics from 'node:diagnostics_channel';
import { type Secret, SiteportError, isSiteportError } from '@siteport/protocol';
import type { PushContext } from './push-context.js';
import { type PushStep, runPushAttempt } from './push-installer.js';
import type { PushHostRow, PushSettingsRow } from './push-repository.js';
import { settingsOrDefault } from './push-views.js';
import { nextAttempt } from './retry-schedule.js';

/** diagnostics_channel of every per-host status change: `{ siteCode, hostId, host, port, status, errorCode }`. */
const PUSH_STATUS_CHANNEL = diagnostics.channel('siteport:push:status');

/** Publishes a host's status change on the push status channel. */
export function publishStatus(
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

/** The push account for a host: its own, or the site's; the secret is decrypted only here. */
function credential(
  ctx: PushContext,
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
  return { user, secret: { kind, value: ctx.deps.box.decrypt(sealed, context) } };
}

/**
 * One install attempt of a host: connect, upload, install and wait for the client to register;
 * a failure is recorded with its code and the next attempt on the site's retry schedule.
 */
export async function pushAttempt(ctx: PushContext, row: PushHostRow): Promise<void> {
  const where = `${row.host}:${row.port}`;
  const code = row.site_code;
  const started = Date.now();
  // Status writes of one attempt go out in order: the installer reports its steps without waiting,
  // and a step write that landed after the outcome would leave the host "connecting" forever.
  let written: Promise<void> = Promise.resolve();
  const step = (status: PushStep | 'registered' | 'failed', fields: Partial<PushHostRow> = {}): Promise<void> => {
    const write = async (): Promise<void> => {
      await ctx.deps.push.updateHost(row.id, { status, updated_at: new Date().toISOString(), ...fields });
      publishStatus(code, row.id, row.host, row.port, status, fields.error_code ?? null);
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
    settings = await ctx.settingsRow(code);
    const cred = credential(ctx, row, settings);
    const stored = await ctx.deps.ports.stored(code);
    const mp = settings.management_point ?? ctx.deps.defaultManagementPoint;
    const properties = [
      `SMSSITECODE=${code}`,
      `SMSMP=${mp}`,
      `CCMHTTPPORT=${stored.settings.http.default}`,
      `CCMHTTPSPORT=${stored.settings.https.default}`,
      `SMSCAFINGERPRINT=${ctx.deps.caFingerprint}`,
    ];
    // Valid a little longer than the push waits for the registration (copy and setup come first).
    // A token goes only to a host whose key an administrator confirmed (decision 0095): one pinned on first use could be anyone's.
    const token = await ctx.deps.registrationToken?.(
      code,
      where,
      settings.registration_timeout_seconds + 900,
      row.host_key_source === 'given',
    );
    if (token != null) properties.push(`SMSREGTOKEN=${token}`);
    const installDir = row.install_dir ?? settings.default_install_dir;
    const bundle = await ctx.deps.bundle();
    await step('connecting', { last_attempt_at: new Date(started).toISOString() });
    const installed = await runPushAttempt({
      target: {
        host: row.host,
        port: row.port,
        user: cred.user,
        secret: cred.secret,
        hostKey: row.host_key,
        acceptNewHostKey: settings.accept_new_host_keys === 1,
        connectTimeoutMs: ctx.deps.connectTimeoutMs ?? 20_000,
      },
      bundle,
      installDir,
      properties,
      signal: ctx.signal,
      commandTimeoutMs: ctx.deps.commandTimeoutMs ?? 600_000,
      uploadStallMs: ctx.deps.uploadStallMs ?? 60_000,
      onStep: (s) =>
        void step(s).catch((error: unknown) =>
          ctx.log.warn({ err: error, host: where }, 'recording a push step failed'),
        ),
      onConnected: (hostKey) => {
        if (row.host_key === null) void pinFirstUse(ctx, row, hostKey);
      },
    });
    const timeout = settings.registration_timeout_seconds * 1000;
    const clientId = await ctx.waiter.wait(installed.keyFingerprint, started, timeout, where, ctx.signal);
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
    ctx.log.info(
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
    if (!ctx.running()) {
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
      await pinFirstUse(ctx, row, presented);
    }
    const now = new Date();
    const schedule = settings ?? settingsOrDefault(code, undefined, ctx.deps.defaultManagementPoint);
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
    ctx.log.warn({ siteCode: code, host: where, code: failure.code, nextAttemptAt }, `push failed: ${failure.message}`);
  }
}

/** Pins the key a host presented on first use, and audits it. */
async function pinFirstUse(ctx: PushContext, row: PushHostRow, hostKey: string): Promise<void> {
  const now = new Date().toISOString();
  row.host_key = hostKey;
  await ctx.deps.push.updateHost(row.id, { host_key: hostKey, host_key_source: 'first-use', updated_at: now });
  await ctx.deps.audit.append(ctx.deps.db, {
    at: now,
    actor: 'push',
    siteCode: row.site_code,
    action: 'push-host-key-pinned',
    oldValue: null,
    newValue: { host: row.host, port: row.port, hostKey, how: 'first-use' },
    outcome: 'pinned',
  });
  ctx.log.info({ host: `${row.host}:${row.port}`, hostKey }, 'pinned the host key on first use');
}
