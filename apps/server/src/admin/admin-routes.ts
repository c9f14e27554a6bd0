import { type TSchema, Type } from '@sinclair/typebox';
import {
  AuditList,
  ClientView,
  ErrorResponse,
  type Permission,
  PortChangeBody,
  PortChangeResult,
  PortsView,
  SiteView,
  SiteportError,
  parsePortChangeBody,
  parseSiteCode,
  siteInScope,
} from '@siteport/protocol';
import type { SiteServices } from '../services/site-services.js';
import type { Caller } from './admin-authenticator.js';
import { clientListRoutes } from '../client-list/client-list-routes.js';

/** What a route handler gets: path parameters, query, parsed JSON body and the caller. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The audit actor: the authenticated caller's `token:<name>` or `user:<name>`. */
  actor: string;
  /** The authenticated caller: role, site scope and, for the console, the session. */
  caller: Caller;
  /** Whether the listener serves HTTPS (cookies get `Secure`). */
  secure: boolean;
  /** Extra response headers a route sets (the console's session cookie). */
  reply: { headers: Record<string, string> };
  /** The peer address of the connection (never X-Forwarded-For, which a client can forge); sign-in is throttled by it. */
  source: string | undefined;
}

/** A query parameter a route takes, as its OpenAPI operation lists it (the handler validates it). */
export interface QueryParameter {
  name: string;
  description: string;
  schema: TSchema;
}

/** One admin API route: its OpenAPI facts and its handler. */
export interface AdminRoute {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /api/v1 with `{name}` parameters. */
  path: string;
  summary: string;
  operationId: string;
  auth: boolean;
  /**
   * What the caller must hold (the table in decision 0094); `public` for routes without credentials.
   * Required: a route without one does not compile.
   */
  permission: Permission;
  /**
   * The site a route acts on when no `{code}` path parameter names it (a client's or a rollout's
   * site), checked against the caller's site scope before the handler runs.
   */
  siteOf?: (ctx: RouteContext) => Promise<string>;
  /** A POST that changes nothing (an impact preview). */
  readOnly?: boolean;
  requestBody?: TSchema;
  /** The query parameters it takes (documentation; the handler validates them). */
  query?: readonly QueryParameter[];
  response: TSchema;
  handle: (ctx: RouteContext) => Promise<unknown>;
}


function site(ctx: RouteContext): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** Whether the caller may see a site's data (lists are filtered with it). */
export function visibleTo(ctx: RouteContext, code: string | null): boolean {
  return ctx.caller.sites === null || (code !== null && siteInScope(ctx.caller.sites, code));
}

function limitOf(query: URLSearchParams): number {
  const text = query.get('limit') ?? '100';
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new SiteportError('E_VALIDATION', `limit must be a whole number from 1 to 10000, got ${JSON.stringify(text)}`);
  }
  return limit;
}

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
    {
      method: 'PATCH',
      path: '/sites/{code}/ports',
      summary: "Change a site's port settings; validated, test-bound on the MP, audited; moving request ports starts a rollout",
      operationId: 'changePorts',
      auth: true,
      permission: 'ports.change',
      requestBody: PortChangeBody,
      response: PortChangeResult,
      handle: (ctx) => s.rollouts.change(site(ctx), parsePortChangeBody(ctx.body), ctx.actor),
    },
    ...clientListRoutes(s.list),
    {
      method: 'GET',
      path: '/clients/{id}',
      summary: 'One client',
      operationId: 'getClient',
      auth: true,
      permission: 'site.read',
      siteOf: async (ctx) => (await s.clients.record(ctx.params.id ?? '')).siteCode,
      response: ClientView,
      handle: (ctx) => s.client(ctx.params.id ?? ''),
    },
    {
      method: 'GET',
      path: '/audit',
      summary: 'The audit log of settings changes, newest first (?site=CODE&limit=N)',
      operationId: 'listAudit',
      auth: true,
      permission: 'site.read',
      response: AuditList,
      handle: async (ctx) => {
        const text = ctx.query.get('site');
        const code = text === null ? undefined : parseSiteCode(text);
        if (code !== undefined && !visibleTo(ctx, code)) {
          throw new SiteportError('E_FORBIDDEN', `${ctx.actor} is limited to sites ${(ctx.caller.sites ?? []).join(', ')}; site ${code} is outside its scope`);
        }
        return {
          entries: await s.audit.list({ limit: limitOf(ctx.query), ...(code === undefined ? {} : { siteCode: code }), ...(ctx.caller.sites === null ? {} : { siteCodes: ctx.caller.sites }) }),
        };
      },
    },
  ];
}

export { ErrorResponse };
