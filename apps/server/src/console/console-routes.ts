import { Type } from '@sinclair/typebox';
import {
  ConsoleUserView,
  CreateUserBody,
  SESSION_COOKIE,
  SessionView,
  SignInBody,
  parseCreateUserBody,
  parseSignInBody,
} from '@siteport/protocol';
import type { AdminRoute, RouteContext } from '../admin/admin-routes.js';
import { type ConsoleAccounts, SESSION_LIFETIME_MS } from './console-accounts.js';

/** The session cookie: HttpOnly, SameSite=Strict, Secure on HTTPS, scoped to the whole listener. */
function sessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

function viewOf(ctx: RouteContext): SessionView {
  const { caller } = ctx;
  const session = caller.session;
  return {
    user: session?.userName ?? caller.actor,
    role: caller.role,
    via: session === undefined ? 'token' : 'session',
    csrfToken: session?.csrfToken ?? null,
    expiresAt: session?.expiresAt ?? null,
  };
}

/** Admin routes of the web console: sign-in, the current session, sign-out, local accounts. */
export function consoleRoutes(accounts: ConsoleAccounts): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/session',
      summary: 'Sign in to the console with a local account; sets the HttpOnly session cookie and returns the CSRF token',
      operationId: 'signIn',
      auth: false,
      requestBody: SignInBody,
      response: SessionView,
      handle: async (ctx) => {
        const { user, password } = parseSignInBody(ctx.body);
        const { cookieValue, session } = await accounts.signIn(user, password, ctx.source);
        ctx.reply.headers['set-cookie'] = sessionCookie(cookieValue, ctx.secure, Math.floor(SESSION_LIFETIME_MS / 1000));
        ctx.reply.headers['cache-control'] = 'no-store';
        return { user: session.userName, role: session.role, via: 'session', csrfToken: session.csrfToken, expiresAt: session.expiresAt } satisfies SessionView;
      },
    },
    {
      method: 'GET',
      path: '/session',
      summary: 'Who is signed in (user, role, CSRF token); the bearer token answers as an administrator',
      operationId: 'getSession',
      auth: true,
      response: SessionView,
      handle: (ctx) => {
        ctx.reply.headers['cache-control'] = 'no-store';
        return Promise.resolve(viewOf(ctx));
      },
    },
    {
      method: 'DELETE',
      path: '/session',
      summary: 'Sign out: the session ends on the server and the cookie is cleared',
      operationId: 'signOut',
      auth: true,
      readOnly: true,
      response: Type.Object({ signedOut: Type.Boolean() }),
      handle: async (ctx) => {
        const session = ctx.caller.session;
        if (session !== undefined) await accounts.signOut(session);
        ctx.reply.headers['set-cookie'] = sessionCookie('', ctx.secure, 0);
        return { signedOut: session !== undefined };
      },
    },
    {
      method: 'GET',
      path: '/console/users',
      summary: 'Local console accounts and their roles',
      operationId: 'listConsoleUsers',
      auth: true,
      response: Type.Object({ users: Type.Array(ConsoleUserView) }),
      handle: async () => ({ users: await accounts.list() }),
    },
    {
      method: 'POST',
      path: '/console/users',
      summary: 'Create a local console account (administrator or read-only analyst); audited',
      operationId: 'createConsoleUser',
      auth: true,
      requestBody: CreateUserBody,
      response: ConsoleUserView,
      handle: (ctx) => accounts.createUser(parseCreateUserBody(ctx.body), ctx.actor),
    },
  ];
}
