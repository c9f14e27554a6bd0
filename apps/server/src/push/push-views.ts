import type { PushHostSpec, PushHostView, PushSettingsView } from '@siteport/protocol';
import { PUSH_DEFAULTS } from '@siteport/protocol';
import type { PushHostRow, PushSettingsRow } from './push-repository.js';

/** A site's push settings row, or the defaults when the site never set any. */
export function settingsOrDefault(
  siteCode: string,
  row: PushSettingsRow | undefined,
  managementPoint: string,
): PushSettingsRow {
  return (
    row ?? {
      site_code: siteCode,
      auto_push: 0,
      retry_interval_seconds: PUSH_DEFAULTS.retryIntervalSeconds,
      retry_for_seconds: PUSH_DEFAULTS.retryForSeconds,
      registration_timeout_seconds: PUSH_DEFAULTS.registrationTimeoutSeconds,
      accept_new_host_keys: 0,
      management_point: managementPoint,
      default_install_dir: PUSH_DEFAULTS.installDir,
      user_name: null,
      auth_kind: null,
      secret: null,
      updated_at: new Date(0).toISOString(),
    }
  );
}

/** The settings as the API shows them: the secret is never included, only whether one is stored. */
export function settingsView(row: PushSettingsRow, managementPoint: string): PushSettingsView {
  return {
    siteCode: row.site_code,
    autoPush: row.auto_push === 1,
    retryIntervalSeconds: row.retry_interval_seconds,
    retryForSeconds: row.retry_for_seconds,
    registrationTimeoutSeconds: row.registration_timeout_seconds,
    acceptNewHostKeys: row.accept_new_host_keys === 1,
    managementPoint: row.management_point ?? managementPoint,
    defaultInstallDir: row.default_install_dir,
    credential: { user: row.user_name, auth: row.auth_kind, secretStored: row.secret !== null },
    updatedAt: row.updated_at,
  };
}

/** A host as the API shows it; its own credential (null fields mean "the site's push account"). */
export function hostView(row: PushHostRow, settings: PushSettingsRow): PushHostView {
  return {
    id: row.id,
    siteCode: row.site_code,
    host: row.host,
    port: row.port,
    installDir: row.install_dir ?? settings.default_install_dir,
    source: row.source,
    approval: row.approval,
    status: row.status,
    errorCode: row.error_code,
    reason: row.reason,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    hostKey: row.host_key,
    hostKeySource: row.host_key_source,
    presentedHostKey: row.presented_host_key,
    credential: { user: row.user_name, auth: row.auth_kind, secretStored: row.secret !== null },
    clientId: row.client_id,
    registeredAt: row.registered_at,
    installedPorts:
      row.installed_ports === null ? null : (JSON.parse(row.installed_ports) as PushHostView['installedPorts']),
  };
}

/** A host spec for the audit log: the secret is replaced by `[redacted]`. */
export function auditSpec(spec: PushHostSpec): Record<string, unknown> {
  return {
    host: spec.host,
    port: spec.port,
    ...(spec.user === undefined ? {} : { user: spec.user }),
    ...(spec.secret === undefined ? {} : { auth: spec.secret.kind, secret: '[redacted]' }),
    ...(spec.hostKey === undefined ? {} : { hostKey: spec.hostKey }),
    ...(spec.installDir === undefined ? {} : { installDir: spec.installDir }),
    source: spec.source,
  };
}
