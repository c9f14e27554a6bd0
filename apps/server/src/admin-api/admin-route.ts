import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Permission } from '@siteport/protocol';
import type { Caller } from './admin-authenticator.js';

/** What a route handler gets: path parameters, the checked query and body, and the caller. */
export interface RouteContext<Body = unknown, Query = Record<string, unknown>> {
  params: Record<string, string>;
  /** The query parameters the route declares in `query`, checked (absent ones are left out). */
  query: Query;
  /** The JSON body, checked against `requestBody` (an empty body is `{}`); undefined for a route without one. */
  body: Body;
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

/**
 * One admin API route: its OpenAPI facts, what it takes and its handler. The dispatcher checks
 * every request against `requestBody` and `query` before the handler runs (decision 0106), and
 * the OpenAPI document is built from the same fields.
 */
export interface AdminRoute<Body extends TSchema = TSchema, Query extends TObject = TObject> {
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
   * site), checked against the caller's site scope before the body is checked and the handler runs.
   */
  siteOf?: (params: Readonly<Record<string, string>>) => Promise<string>;
  /** A POST that changes nothing (an impact preview). */
  readOnly?: boolean;
  /** The JSON body the route takes. A POST, PUT or PATCH declares it, or `noBody` (a test walks the table). */
  requestBody?: Body;
  /** A POST, PUT or PATCH that takes no body: none or `{}` is accepted, anything else refused. */
  noBody?: true;
  /**
   * The query parameters it takes, as an object schema with `additionalProperties: false`: text,
   * whole numbers (converted from their decimal digits before the check) or lists of text (the
   * parameter repeated). Without it the route takes no query parameters.
   */
  query?: Query;
  response: TSchema;
  /** Largest request body this route reads, in bytes (after authentication); the default is 64 KiB. */
  maxBodyBytes?: number;
  handle(ctx: RouteContext<Static<Body>, Static<Query>>): Promise<unknown>;
}

/**
 * Declares a route whose handler gets its body and query typed from the schemas it declares
 * (`ctx.body` is `Static<typeof requestBody>`).
 */
export function route<Body extends TSchema, Query extends TObject = TObject<Record<never, TSchema>>>(
  spec: AdminRoute<Body, Query>,
): AdminRoute {
  return spec;
}
