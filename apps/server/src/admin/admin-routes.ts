import { type TSchema, Type } from '@sinclair/typebox';
import {
  AuditList,
  ClientList,
  ClientView,
  ErrorResponse,
  PortChangeBody,
  PortChangeResult,
  PortsView,
  SiteView,
  SiteportError,
  parsePortChangeBody,
  parseSiteCode,
} from '@siteport/protocol';
import type { SiteServices } from '../services/site-services.js';
import type { Caller } from './admin-authenticator.js';

/** What a route handler gets: path parameters, query, parsed JSON body and the caller. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  actor: string;
  /** The authenticated caller: role and, for the console, the session. */
  caller: Caller;
  /** Whether the listener serves HTTPS (cookies get `Secure`). */
  secure: boolean;
  /** Extra response headers a route sets (the console's session cookie). */
  reply: { headers: Record<string, string> };
  /** The peer address of the connection (never X-Forwarded-For, which a client can forge); sign-in is throttled by it. */
  source: string | undefined;
}

/** One admin API route: its OpenAPI facts and its handler. */
export interface AdminRoute {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /api/v1 with `{name}` parameters. */
  path: string;
  summary: string;
  operationId: string;
  auth: boolean;
  /** A POST that changes nothing (an impact preview): read-only analysts may call it. */
  readOnly?: boolean;
  requestBody?: TSchema;
  response: TSchema;
  handle: (ctx: RouteContext) => Promise<unknown>;
}


function site(ctx: RouteContext): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
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
      response: Type.Object({ status: Type.Literal('ok'), siteCode: Type.String() }),
      handle: () => Promise.resolve({ status: 'ok', siteCode: s.siteCode }),
    },
    {
      method: 'GET',
      path: '/sites',
      summary: 'The sites this server knows',
      operationId: 'listSites',
      auth: true,
      response: Type.Object({ sites: Type.Array(SiteView) }),
      handle: async () => ({ sites: await s.siteViews() }),
    },
    {
      method: 'GET',
      path: '/sites/{code}',
      summary: 'One site: kind, policy interval, CA fingerprint, clients and listeners',
      operationId: 'getSite',
      auth: true,
      response: SiteView,
      handle: (ctx) => s.siteView(site(ctx)),
    },
    {
      method: 'GET',
      path: '/sites/{code}/ports',
      summary: "A site's port settings (the Ports tab)",
      operationId: 'getPorts',
      auth: true,
      response: PortsView,
      handle: (ctx) => s.ports.view(site(ctx)),
    },
    {
      method: 'PATCH',
      path: '/sites/{code}/ports',
      summary: "Change a site's port settings; validated, test-bound on the MP, audited; moving request ports starts a rollout",
      operationId: 'changePorts',
      auth: true,
      requestBody: PortChangeBody,
      response: PortChangeResult,
      handle: (ctx) => s.rollouts.change(site(ctx), parsePortChangeBody(ctx.body), ctx.actor),
    },
    {
      method: 'GET',
      path: '/sites/{code}/clients',
      summary: 'Clients of a site with last contact, port and protocol used, and activity',
      operationId: 'listClients',
      auth: true,
      response: ClientList,
      handle: (ctx) => s.clientList(site(ctx)),
    },
    {
      method: 'GET',
      path: '/clients/{id}',
      summary: 'One client',
      operationId: 'getClient',
      auth: true,
      response: ClientView,
      handle: (ctx) => s.client(ctx.params.id ?? ''),
    },
    {
      method: 'GET',
      path: '/audit',
      summary: 'The audit log of settings changes, newest first (?site=CODE&limit=N)',
      operationId: 'listAudit',
      auth: true,
      response: AuditList,
      handle: async (ctx) => {
        const code = ctx.query.get('site');
        return {
          entries: await s.audit.list({ limit: limitOf(ctx.query), ...(code === null ? {} : { siteCode: parseSiteCode(code) }) }),
        };
      },
    },
  ];
}

export { ErrorResponse };
