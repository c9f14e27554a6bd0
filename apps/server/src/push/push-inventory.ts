import { randomUUID } from 'node:crypto';
import {
  PUSH_ENTERED_SOURCES,
  type PushApproval,
  type PushCandidateInput,
  type PushHostList,
  type PushHostSpec,
  type PushHostView,
  SiteportError,
  isHostName,
} from '@siteport/protocol';
import { publishStatus } from './push-attempt.js';
import type { PushContext } from './push-context.js';
import { auditSpec, hostView } from './push-views.js';

/**
 * Adds hosts to the inventory (or updates the ones already there). Hosts an administrator entered
 * (api, cli, file) are push targets; hosts from a scan are candidates that nothing connects to
 * until an administrator approves them. With `install` (the "install client" action), or for new
 * targets while automatic push is on, the targets are queued now.
 */
export async function addHosts(
  ctx: PushContext,
  code: string,
  specs: readonly PushHostSpec[],
  actor: string,
  install: boolean,
  from?: { clientId: string },
): Promise<PushHostList> {
  const settings = await ctx.settingsRow(code);
  const now = new Date().toISOString();
  const ids: string[] = [];
  let candidates = 0;
  for (const spec of specs) {
    const existing = await ctx.deps.push.findHost(code, spec.host, spec.port);
    const id = existing?.id ?? randomUUID();
    const approval: PushApproval =
      existing?.approval === 'approved' || PUSH_ENTERED_SOURCES.includes(spec.source) ? 'approved' : 'candidate';
    const own = {
      approval,
      ...(spec.user === undefined ? {} : { user_name: spec.user }),
      ...(spec.secret === undefined
        ? {}
        : { auth_kind: spec.secret.kind, secret: ctx.deps.box.encrypt(spec.secret.value, `push-host:${id}`) }),
      ...(spec.hostKey === undefined
        ? {}
        : { host_key: spec.hostKey, host_key_source: 'given' as const, presented_host_key: null }),
      ...(spec.installDir === undefined ? {} : { install_dir: spec.installDir }),
    };
    const newTarget = existing === undefined || existing.approval === 'candidate';
    const queue = approval === 'approved' && (install || (newTarget && settings.auto_push === 1));
    if (approval === 'candidate') candidates += 1;
    const queued =
      queue && !ctx.inFlight.has(id)
        ? { status: 'queued', queued_at: now, next_attempt_at: now, error_code: null, reason: null }
        : {};
    if (existing === undefined) {
      await ctx.deps.push.insertHost({
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
      await ctx.deps.push.updateHost(id, { ...own, ...queued, updated_at: now });
    }
    ids.push(id);
    if (queue) publishStatus(code, id, spec.host, spec.port, 'queued', null);
  }
  await ctx.deps.audit.append(ctx.deps.db, {
    at: now,
    actor,
    siteCode: code,
    action: install ? 'push-install' : 'push-hosts-add',
    oldValue: null,
    newValue: { hosts: specs.map(auditSpec), ...from },
    outcome: candidates === specs.length ? 'candidate' : install || settings.auto_push === 1 ? 'queued' : 'added',
  });
  ctx.log.info(
    { siteCode: code, hosts: specs.map((s) => `${s.host}:${s.port}`), install, candidates },
    candidates > 0
      ? 'hosts added to the push inventory; candidates wait for approval'
      : install
        ? 'install client queued'
        : 'hosts added to the push inventory',
  );
  ctx.kick();
  const all = await ctx.deps.push.hosts(code);
  return { hosts: all.filter((row) => ids.includes(row.id)).map((row) => hostView(row, settings)) };
}

/**
 * The console's "push install" of a device: the host name the client reported becomes a push
 * candidate (or, when an administrator already made that host a target, it is queued). A
 * client chooses its own name, so nothing connects to it before an administrator approves it.
 */
export async function addClientCandidate(
  ctx: PushContext,
  code: string,
  input: PushCandidateInput,
  actor: string,
): Promise<PushHostList> {
  await ctx.settingsRow(code);
  const client = await ctx.deps.clientHost(input.clientId);
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
  return addHosts(ctx, code, [{ host, port: input.port, source: 'client' }], actor, true, {
    clientId: input.clientId,
  });
}

/**
 * Approves a host: a candidate becomes a push target, and with `hostKey` that fingerprint is
 * pinned (the administrator checked the key the host presented). Queues an install now.
 */
export async function approveHost(
  ctx: PushContext,
  code: string,
  id: string,
  change: { hostKey?: string },
  actor: string,
): Promise<PushHostView> {
  const settings = await ctx.settingsRow(code);
  const row = await ctx.deps.push.host(id);
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
  const queued = ctx.inFlight.has(id)
    ? {}
    : { status: 'queued', queued_at: now, next_attempt_at: now, error_code: null, reason: null };
  await ctx.deps.push.updateHost(id, { approval: 'approved', ...pin, ...queued, updated_at: now });
  await ctx.deps.audit.append(ctx.deps.db, {
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
  ctx.log.info({ siteCode: code, host: `${row.host}:${row.port}`, hostKey: change.hostKey }, 'push host approved');
  publishStatus(code, id, row.host, row.port, 'queued', null);
  ctx.kick();
  const updated = await ctx.deps.push.host(id);
  return hostView(updated ?? row, settings);
}
