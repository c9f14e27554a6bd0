import {
  CLIENT_ACTIONS,
  ClientActionBody,
  ClientActionResult,
  type ClientAction,
  parseSiteCode,
} from '@siteport/protocol';
import type { RegistrationService } from '../clients/index.js';
import { type AdminRoute, route } from './admin-route.js';

const SUMMARIES: Record<ClientAction, string> = {
  approve: 'Approve a pending client: it gets policy at its next check; audited',
  block: 'Block a client: every request and its notification channel are refused at once, at every MP; audited',
  unblock: 'Unblock a blocked client; audited',
  retire:
    "Retire a client: its key is no longer accepted, the record is kept for history and leaves the site's counts; audited",
};

/** Admin routes of the client actions (decision 0095), one per action, under the client's site. */
export function clientActionRoutes(registration: RegistrationService): AdminRoute[] {
  return CLIENT_ACTIONS.map((action) =>
    route({
      method: 'POST',
      path: `/sites/{code}/clients/{id}/${action}`,
      summary: SUMMARIES[action],
      operationId: `${action}Client`,
      auth: true,
      permission: 'clients.manage',
      requestBody: ClientActionBody,
      response: ClientActionResult,
      handle: (ctx) =>
        registration.act(
          parseSiteCode(ctx.params.code, 'site code in the path'),
          ctx.params.id ?? '',
          action,
          ctx.body,
          ctx.actor,
        ),
    }),
  );
}
