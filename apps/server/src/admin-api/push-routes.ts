import {
  PushApproveBody,
  PushCandidateBody,
  PushHostList,
  type PushHostSpec,
  PushHostView,
  PushHostsBody,
  PushSettingsBody,
  PushSettingsView,
  PUSH_DEFAULTS,
  SiteportError,
  checkPushHosts,
  checkPushSettings,
  normalizeHostKey,
  parseSiteCode,
} from '@siteport/protocol';
import type { PushService } from '../push/index.js';
import { callerPermissions } from './admin-authenticator.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

function hostId(ctx: Pick<RouteContext, 'params'>): string {
  const id = ctx.params.id ?? '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id))
    throw new SiteportError(
      'E_PUSH_HOST_NOT_FOUND',
      `no push host ${JSON.stringify(id.slice(0, 64))}; list them with siteport push status`,
    );
  return id;
}

/**
 * The hosts of a push request. Pinning a host key decides that the push account's password may go
 * to that host, so only a caller who may change the push account (`push.configure`) may pin one
 * (decision 0093); an operator adds hosts without keys.
 */
function hostSpecs(ctx: RouteContext<PushHostsBody>): PushHostSpec[] {
  const specs = checkPushHosts(ctx.body);
  if (specs.some((spec) => spec.hostKey !== undefined) && !callerPermissions(ctx.caller).includes('push.configure')) {
    throw new SiteportError(
      'E_FORBIDDEN',
      `${ctx.caller.actor} may add push hosts but not pin their host keys (push.configure); leave hostKey out, and ask an administrator to confirm the key with siteport push approve HOST:PORT --host-key`,
      {
        details: { permission: 'push.configure' },
      },
    );
  }
  return specs;
}

/** Admin routes of client push installation. Credentials are write-only: no route returns them. */
export function pushRoutes(push: PushService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/push/settings',
      summary: "A site's client push settings (automatic push, retry schedule, push account without its secret)",
      operationId: 'getPushSettings',
      auth: true,
      permission: 'site.read',
      response: PushSettingsView,
      handle: (ctx) => push.settings(site(ctx)),
    },
    route({
      method: 'PATCH',
      path: '/sites/{code}/push/settings',
      summary: 'Change client push settings; privateKey/password are stored encrypted and never returned',
      operationId: 'changePushSettings',
      auth: true,
      permission: 'push.configure',
      requestBody: PushSettingsBody,
      response: PushSettingsView,
      handle: (ctx) => push.changeSettings(site(ctx), checkPushSettings(ctx.body), ctx.actor),
    }),
    {
      method: 'GET',
      path: '/sites/{code}/push/hosts',
      summary:
        'The push host inventory with per-host status (queued, connecting, copying, installing, registered, failed)',
      operationId: 'listPushHosts',
      auth: true,
      permission: 'site.read',
      response: PushHostList,
      handle: (ctx) => push.hosts(site(ctx)),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/push/hosts',
      summary: 'Add hosts to the push inventory; with automatic push on, new hosts get the client',
      operationId: 'addPushHosts',
      auth: true,
      permission: 'push.run',
      requestBody: PushHostsBody,
      response: PushHostList,
      handle: (ctx) => push.addHosts(site(ctx), hostSpecs(ctx), ctx.actor, false),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/push/install',
      summary: "Install client: (re)install the agent on these hosts with the site's current ports",
      operationId: 'installClient',
      auth: true,
      permission: 'push.run',
      requestBody: PushHostsBody,
      response: PushHostList,
      handle: (ctx) => push.addHosts(site(ctx), hostSpecs(ctx), ctx.actor, true),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/push/candidates',
      summary:
        "Offer a client's reported host name for push: it becomes a candidate that nothing connects to until approved (queued if already a target)",
      operationId: 'addPushCandidate',
      auth: true,
      permission: 'push.run',
      requestBody: PushCandidateBody,
      response: PushHostList,
      handle: (ctx) =>
        push.addClientCandidate(
          site(ctx),
          { clientId: ctx.body.clientId, port: ctx.body.port ?? PUSH_DEFAULTS.sshPort },
          ctx.actor,
        ),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/push/hosts/{id}/approve',
      summary:
        'Approve a push host (a candidate becomes a target) and optionally pin its checked host key; queues an install',
      operationId: 'approvePushHost',
      auth: true,
      // Approving a host and confirming its key decide where the push account's secret may go (decision 0093).
      permission: 'push.configure',
      requestBody: PushApproveBody,
      response: PushHostView,
      handle: (ctx) =>
        push.approve(
          site(ctx),
          hostId(ctx),
          ctx.body.hostKey === undefined ? {} : { hostKey: normalizeHostKey(ctx.body.hostKey) },
          ctx.actor,
        ),
    }),
  ];
}
