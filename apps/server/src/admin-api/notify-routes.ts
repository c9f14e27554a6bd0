import { ChannelList, NotifyBody, NotifyResult, WakeBody, WakeResult } from '@siteport/protocol';
import type { NotifyService } from '../notify/index.js';
import { type AdminRoute, route } from './admin-route.js';

/** Admin routes of the notification channel and Wake-on-LAN; they act on this server's own site's clients. */
export function notifyRoutes(notify: NotifyService, siteCode: string): AdminRoute[] {
  const ownSite = (): Promise<string> => Promise.resolve(siteCode);
  return [
    route({
      method: 'POST',
      path: '/notify',
      summary: 'Push an action (policy, heartbeat, switch-ports, wake-neighbour) to clients; per-client results',
      operationId: 'notifyClients',
      auth: true,
      permission: 'notify.send',
      siteOf: ownSite,
      requestBody: NotifyBody,
      response: NotifyResult,
      handle: (ctx) => notify.notify(ctx.body),
    }),
    {
      method: 'GET',
      path: '/notify/clients',
      summary: 'Notification presence: which clients are online, over TCP or the HTTP(S) long-poll',
      operationId: 'listChannels',
      auth: true,
      permission: 'site.read',
      siteOf: ownSite,
      response: ChannelList,
      handle: () => Promise.resolve(notify.channels()),
    },
    route({
      method: 'POST',
      path: '/wake',
      summary:
        'Wake clients with magic packets to the wake-up port, directly or through a proxy client on their subnet',
      operationId: 'wakeClients',
      auth: true,
      permission: 'notify.send',
      siteOf: ownSite,
      requestBody: WakeBody,
      response: WakeResult,
      handle: (ctx) => notify.wakeClients(ctx.body),
    }),
  ];
}
