import { CLIENT_PAGE_DEFAULT_LIMIT, ClientCounts, ClientList, parseSiteCode } from '@siteport/protocol';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import { checkClientListQuery, ClientListParams, type ClientListService } from '../clients/index.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** `GET /sites/{code}/clients` (paged, filtered) and `GET /sites/{code}/clients/counts` (decision 0100). */
export function clientListRoutes(list: ClientListService): AdminRoute[] {
  return [
    route({
      method: 'GET',
      path: '/sites/{code}/clients',
      summary: `A page of a site's clients in client id order (${CLIENT_PAGE_DEFAULT_LIMIT} unless limit says otherwise) with last contact, port and protocol used, and activity; nextCursor asks for the next page`,
      operationId: 'listClients',
      auth: true,
      permission: 'site.read',
      query: ClientListParams,
      response: ClientList,
      handle: (ctx) => list.page(site(ctx), checkClientListQuery(ctx.query)),
    }),
    {
      method: 'GET',
      path: '/sites/{code}/clients/counts',
      summary:
        'How many clients a site has: in all, by registration status, activity, notification channel and last request port',
      operationId: 'countClients',
      auth: true,
      permission: 'site.read',
      response: ClientCounts,
      handle: (ctx) => list.counts(site(ctx)),
    },
  ];
}
