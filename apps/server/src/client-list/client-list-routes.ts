import { Type } from '@sinclair/typebox';
import {
  CLIENT_ACTIVITIES,
  CLIENT_CHANNELS,
  CLIENT_PAGE_DEFAULT_LIMIT,
  CLIENT_PAGE_MAX_LIMIT,
  CLIENT_STATUSES,
  ClientCounts,
  ClientList,
  SiteportError,
  parseSiteCode,
} from '@siteport/protocol';
import type { AdminRoute, QueryParameter, RouteContext } from '../admin/admin-routes.js';
import { parseClientListQuery } from './client-list-query.js';
import type { ClientListService } from './client-list-service.js';

const instant = Type.String({ format: 'date-time' });

/** The query parameters of the clients list, as the OpenAPI document lists them. */
const LIST_QUERY: QueryParameter[] = [
  {
    name: 'limit',
    description: `Clients per page, 1 to ${CLIENT_PAGE_MAX_LIMIT}`,
    schema: Type.Integer({ minimum: 1, maximum: CLIENT_PAGE_MAX_LIMIT, default: CLIENT_PAGE_DEFAULT_LIMIT }),
  },
  {
    name: 'cursor',
    description: 'The nextCursor of the previous page (same filters); absent for the first page',
    schema: Type.String({ maxLength: 256 }),
  },
  {
    name: 'status',
    description: 'Only clients in this registration status',
    schema: Type.Union(CLIENT_STATUSES.map((s) => Type.Literal(s))),
  },
  {
    name: 'activity',
    description: "Only clients seen within the site's active window (active) or not (inactive, never seen included)",
    schema: Type.Union(CLIENT_ACTIVITIES.map((s) => Type.Literal(s))),
  },
  {
    name: 'channel',
    description: 'Only clients reachable now over the notification TCP channel, the HTTP(S) long-poll, or neither',
    schema: Type.Union(CLIENT_CHANNELS.map((s) => Type.Literal(s))),
  },
  {
    name: 'port',
    description: 'Only clients whose last request came in on this port',
    schema: Type.Integer({ minimum: 1, maximum: 65535 }),
  },
  {
    name: 'lastSeenBefore',
    description: 'Only clients last seen before this ISO 8601 instant (never-seen clients do not match)',
    schema: instant,
  },
  { name: 'lastSeenAfter', description: 'Only clients last seen at or after this ISO 8601 instant', schema: instant },
];

function site(ctx: RouteContext): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** `GET /sites/{code}/clients` (paged, filtered) and `GET /sites/{code}/clients/counts` (decision 0100). */
export function clientListRoutes(list: ClientListService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/clients',
      summary: `A page of a site's clients in client id order (${CLIENT_PAGE_DEFAULT_LIMIT} unless limit says otherwise) with last contact, port and protocol used, and activity; nextCursor asks for the next page`,
      operationId: 'listClients',
      auth: true,
      permission: 'site.read',
      query: LIST_QUERY,
      response: ClientList,
      handle: (ctx) => {
        const code = site(ctx);
        return list.page(code, parseClientListQuery(ctx.query));
      },
    },
    {
      method: 'GET',
      path: '/sites/{code}/clients/counts',
      summary:
        'How many clients a site has: in all, by registration status, activity, notification channel and last request port',
      operationId: 'countClients',
      auth: true,
      permission: 'site.read',
      response: ClientCounts,
      handle: (ctx) => {
        const code = site(ctx);
        const name = [...ctx.query.keys()][0];
        if (name !== undefined)
          throw new SiteportError(
            'E_VALIDATION',
            `the client counts take no query parameters, got ${JSON.stringify(name.slice(0, 64))}`,
            { details: { field: name.slice(0, 64) } },
          );
        return list.counts(code);
      },
    },
  ];
}
