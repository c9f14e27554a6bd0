import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ChannelList, NotifyBody, NotifyResult, SiteportError, WakeBody, WakeResult } from '@siteport/protocol';
import type { NotifyService } from '../notify/notify-service.js';
import type { AdminRoute } from './admin-routes.js';

const notifyCheck = TypeCompiler.Compile(NotifyBody);
const wakeCheck = TypeCompiler.Compile(WakeBody);

function checked<T>(what: string, check: { Check(v: unknown): v is T; Errors(v: unknown): Iterable<{ path: string; message: string }> }, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SiteportError('E_BAD_REQUEST', `the ${what} request body must be a JSON object`);
  }
  if (check.Check(body)) return body;
  const first = [...check.Errors(body)][0];
  throw new SiteportError('E_VALIDATION', `${what}: ${first === undefined ? 'invalid' : `${first.path || '/'} ${first.message}`}`);
}

/** Admin routes of the notification channel and Wake-on-LAN (issue 5); they act on this server's own site's clients. */
export function notifyRoutes(notify: NotifyService, siteCode: string): AdminRoute[] {
  const ownSite = (): Promise<string> => Promise.resolve(siteCode);
  return [
    {
      method: 'POST',
      path: '/notify',
      summary: 'Push an action (policy, heartbeat, switch-ports, wake-neighbour) to clients; per-client results',
      operationId: 'notifyClients',
      auth: true,
      permission: 'notify.send',
      siteOf: ownSite,
      requestBody: NotifyBody,
      response: NotifyResult,
      handle: (ctx) => notify.notify(checked('notify', notifyCheck, ctx.body)),
    },
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
    {
      method: 'POST',
      path: '/wake',
      summary: 'Wake clients with magic packets to the wake-up port, directly or through a proxy client on their subnet',
      operationId: 'wakeClients',
      auth: true,
      permission: 'notify.send',
      siteOf: ownSite,
      requestBody: WakeBody,
      response: WakeResult,
      handle: (ctx) => notify.wakeClients(checked('wake', wakeCheck, ctx.body)),
    },
  ];
}
