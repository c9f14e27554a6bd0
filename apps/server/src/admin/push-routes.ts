import {
  PushHostList,
  PushHostsBody,
  PushSettingsBody,
  PushSettingsView,
  parsePushHostsBody,
  parsePushSettingsBody,
  parseSiteCode,
} from '@siteport/protocol';
import type { PushService } from '../push/push-service.js';
import type { AdminRoute, RouteContext } from './admin-routes.js';

function site(ctx: RouteContext): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
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
    {
      method: 'PATCH',
      path: '/sites/{code}/push/settings',
      summary: 'Change client push settings; privateKey/password are stored encrypted and never returned',
      operationId: 'changePushSettings',
      auth: true,
      permission: 'push.configure',
      requestBody: PushSettingsBody,
      response: PushSettingsView,
      handle: (ctx) => push.changeSettings(site(ctx), parsePushSettingsBody(ctx.body), ctx.actor),
    },
    {
      method: 'GET',
      path: '/sites/{code}/push/hosts',
      summary: 'The push host inventory with per-host status (queued, connecting, copying, installing, registered, failed)',
      operationId: 'listPushHosts',
      auth: true,
      permission: 'site.read',
      response: PushHostList,
      handle: (ctx) => push.hosts(site(ctx)),
    },
    {
      method: 'POST',
      path: '/sites/{code}/push/hosts',
      summary: 'Add hosts to the push inventory; with automatic push on, new hosts get the client',
      operationId: 'addPushHosts',
      auth: true,
      permission: 'push.run',
      requestBody: PushHostsBody,
      response: PushHostList,
      handle: (ctx) => push.addHosts(site(ctx), parsePushHostsBody(ctx.body), ctx.actor, false),
    },
    {
      method: 'POST',
      path: '/sites/{code}/push/install',
      summary: 'Install client: (re)install the agent on these hosts with the site\'s current ports',
      operationId: 'installClient',
      auth: true,
      permission: 'push.run',
      requestBody: PushHostsBody,
      response: PushHostList,
      handle: (ctx) => push.addHosts(site(ctx), parsePushHostsBody(ctx.body), ctx.actor, true),
    },
  ];
}
