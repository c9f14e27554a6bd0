import { Type } from '@sinclair/typebox';
import {
  AuditList,
  ClientView,
  PortChangeBody,
  PortChangeResult,
  PortsView,
  SiteCodeField,
  SiteView,
  SiteportError,
  parseSiteCode,
  siteInScope,
} from '@siteport/protocol';
import type { SiteServices } from './site-services.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import { clientListRoutes } from './client-list-routes.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** Whether the caller may see a site's data (lists are filtered with it). */
export function visibleTo(ctx: Pick<RouteContext, 'caller'>, code: string | null): boolean {
  return ctx.caller.sites === null || (code !== null && siteInScope(ctx.caller.sites, code));
}

/** `GET /audit?site=CODE&limit=N`. */
const AuditQuery = Type.Object(
  {
    site: Type.Optional(SiteCodeField),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        default: 100,
        description: 'Entries to return, 1 to 10000 (default 100)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Every route of the admin API, in the order the OpenAPI document lists them. */
export function adminRoutes(s: SiteServices): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/health',
      summary: 'Liveness and the site this server runs',
      operationId: 'health',
      auth: false,
      permission: 'public',
      response: Type.Object({ status: Type.Literal('ok'), siteCode: Type.String() }),
      handle: () => Promise.resolve({ status: 'ok', siteCode: s.siteCode }),
    },
    {
      method: 'GET',
      path: '/sites',
      summary: 'The sites this server knows',
      operationId: 'listSites',
      auth: true,
      permission: 'site.read',
      response: Type.Object({ sites: Type.Array(SiteView) }),
      handle: async (ctx) => ({ sites: (await s.siteViews()).filter((v) => visibleTo(ctx, v.siteCode)) }),
    },
    {
      method: 'GET',
      path: '/sites/{code}',
      summary: 'One site: kind, policy interval, CA fingerprint, clients and listeners',
      operationId: 'getSite',
      auth: true,
      permission: 'site.read',
      response: SiteView,
      handle: (ctx) => s.siteView(site(ctx)),
    },
    {
      method: 'GET',
      path: '/sites/{code}/ports',
      summary: "A site's port settings (the Ports tab)",
      operationId: 'getPorts',
      auth: true,
      permission: 'ports.read',
      response: PortsView,
      handle: (ctx) => s.ports.view(site(ctx)),
    },
    route({
      method: 'PATCH',
      path: '/sites/{code}/ports',
      summary:
        "Change a site's port settings; validated, test-bound on the MP, audited; moving request ports starts a rollout",
      operationId: 'changePorts',
      auth: true,
      permission: 'ports.change',
      requestBody: PortChangeBody,
      response: PortChangeResult,
      handle: (ctx) => s.rollouts.change(site(ctx), ctx.body, ctx.actor),
    }),
    ...clientListRoutes(s.list),
    {
      method: 'GET',
      path: '/clients/{id}',
      summary: 'One client',
      operationId: 'getClient',
      auth: true,
      permission: 'site.read',
      siteOf: async (params) => (await s.clients.record(params.id ?? '')).siteCode,
      response: ClientView,
      handle: (ctx) => s.client(ctx.params.id ?? ''),
    },
    route({
      method: 'GET',
      path: '/audit',
      summary: 'The audit log of settings changes, newest first (?site=CODE&limit=N)',
      operationId: 'listAudit',
      auth: true,
      permission: 'site.read',
      query: AuditQuery,
      response: AuditList,
      handle: async (ctx) => {
        const code = ctx.query.site?.toUpperCase();
        if (code !== undefined && !visibleTo(ctx, code)) {
          throw new SiteportError(
            'E_FORBIDDEN',
            `${ctx.actor} is limited to sites ${(ctx.caller.sites ?? []).join(', ')}; site ${code} is outside its scope`,
          );
        }
        return {
          entries: await s.audit.list({
            limit: ctx.query.limit ?? 100,
            ...(code === undefined ? {} : { siteCode: code }),
            ...(ctx.caller.sites === null ? {} : { siteCodes: ctx.caller.sites }),
          }),
        };
      },
    }),
  ];
}
