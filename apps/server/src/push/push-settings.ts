import type { PushSettingsChange, PushSettingsView } from '@siteport/protocol';
import type { PushContext, PushServiceDeps } from './push-context.js';
import type { PushSettingsRow } from './push-repository.js';
import { settingsOrDefault, settingsView } from './push-views.js';

/** A site's push settings row, or the defaults when it has none; refused for an unknown site. */
export async function pushSettingsRow(deps: PushServiceDeps, code: string): Promise<PushSettingsRow> {
  await deps.ports.site(code);
  return settingsOrDefault(code, await deps.push.settings(code), deps.defaultManagementPoint);
}

/** Changes push settings; a new secret replaces the stored one (encrypted) and is audited as `[redacted]`. */
export async function changePushSettings(
  ctx: PushContext,
  code: string,
  change: PushSettingsChange,
  actor: string,
): Promise<PushSettingsView> {
  const before = await ctx.settingsRow(code);
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
          secret: ctx.deps.box.encrypt(change.secret.value, `push-settings:${code}`),
        }),
    updated_at: now,
  };
  await ctx.deps.push.saveSettings(next);
  const oldView = settingsView(before, ctx.deps.defaultManagementPoint);
  const newView = settingsView(next, ctx.deps.defaultManagementPoint);
  await ctx.deps.audit.append(ctx.deps.db, {
    at: now,
    actor,
    siteCode: code,
    action: 'push-settings',
    oldValue: oldView,
    newValue: { ...newView, ...(change.secret === undefined ? {} : { secret: '[redacted]' }) },
    outcome: 'applied',
  });
  ctx.log.info(
    { siteCode: code, autoPush: newView.autoPush, secretChanged: change.secret !== undefined },
    'push settings changed',
  );
  return newView;
}
