import { Type } from '@sinclair/typebox';
import {
  ChangePasswordBody,
  ConsoleUserView,
  CreateUserBody,
  ResetPasswordBody,
  SESSION_COOKIE,
  SessionView,
  SignInBody,
  SiteportError,
  UpdateUserBody,
  checkCreateUser,
  checkNewPassword,
  checkUpdateUser,
  parseUserName,
} from '@siteport/protocol';
import { callerPermissions } from './admin-authenticator.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';
import { type ConsoleAccounts, type ConsoleUserAdmin, SESSION_LIFETIME_MS } from '../console/index.js';

/** The session cookie: HttpOnly, SameSite=Strict, Secure on HTTPS, scoped to the whole listener. */
function sessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

function viewOf(ctx: RouteContext): SessionView {
  const { caller } = ctx;
  const session = caller.session;
  return {
    user: session?.userName ?? caller.actor,
    role: caller.role,
    sites: caller.sites,
    permissions: callerPermissions(caller),
    via: session === undefined ? 'token' : 'session',
    csrfToken: session?.csrfToken ?? null,
    expiresAt: session?.expiresAt ?? null,
  };
}

const userParam = (ctx: Pick<RouteContext, 'params'>): string => parseUserName(ctx.params.user);

/** Admin routes of the web console: sign-in, the current session, sign-out, own password, local accounts. */
export function consoleRoutes(accounts: ConsoleAccounts, users: ConsoleUserAdmin): AdminRoute[] {
  return [
    route({
      method: 'POST',
      path: '/session',
      summary:
        'Sign in to the console with a local account; sets the HttpOnly session cookie and returns the CSRF token',
      operationId: 'signIn',
      auth: false,
      permission: 'public',
      requestBody: SignInBody,
      response: SessionView,
      handle: async (ctx) => {
        const { user, password } = ctx.body;
        const { cookieValue, session } = await accounts.signIn(user, password, ctx.source);
        ctx.reply.headers['set-cookie'] = sessionCookie(
          cookieValue,
          ctx.secure,
          Math.floor(SESSION_LIFETIME_MS / 1000),
        );
        ctx.reply.headers['cache-control'] = 'no-store';
        const caller = { role: session.role, sites: session.sites };
        return {
          user: session.userName,
          ...caller,
          permissions: callerPermissions(caller),
          via: 'session',
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt,
        } satisfies SessionView;
      },
    }),
    {
      method: 'GET',
      path: '/session',
      summary: 'Who is signed in (user, role, CSRF token); the bearer token answers as an administrator',
      operationId: 'getSession',
      auth: true,
      permission: 'session',
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
      permission: 'session',
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
      permission: 'accounts.manage',
      response: Type.Object({ users: Type.Array(ConsoleUserView) }),
      handle: async () => ({ users: await accounts.list() }),
    },
    route({
      method: 'POST',
      path: '/console/users',
      summary:
        'Create a local console account (administrator, operator or read-only analyst, optionally limited to sites); audited',
      operationId: 'createConsoleUser',
      auth: true,
      permission: 'accounts.manage',
      requestBody: CreateUserBody,
      response: ConsoleUserView,
      handle: (ctx) => accounts.createUser(checkCreateUser(ctx.body), ctx.actor),
    }),
    route({
      method: 'PATCH',
      path: '/console/users/{user}',
      summary: "Change an account's role, site scope or disabled mark; disabling ends its sessions at once; audited",
      operationId: 'updateConsoleUser',
      auth: true,
      permission: 'accounts.manage',
      requestBody: UpdateUserBody,
      response: ConsoleUserView,
      handle: (ctx) => users.updateUser(userParam(ctx), checkUpdateUser(ctx.body), ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/console/users/{user}',
      summary: 'Delete an account and end its sessions; the last administrator cannot be deleted; audited',
      operationId: 'deleteConsoleUser',
      auth: true,
      permission: 'accounts.manage',
      response: Type.Object({ deleted: Type.String() }),
      handle: (ctx) => users.deleteUser(userParam(ctx), ctx.actor),
    },
    route({
      method: 'POST',
      path: '/console/users/{user}/password',
      summary: "Set a new password for an account (administrators); ends the account's sessions; audited",
      operationId: 'resetConsolePassword',
      auth: true,
      permission: 'accounts.manage',
      requestBody: ResetPasswordBody,
      response: ConsoleUserView,
      handle: (ctx) => users.resetPassword(userParam(ctx), checkNewPassword(ctx.body.password), ctx.actor),
    }),
    route({
      method: 'PUT',
      path: '/session/password',
      summary:
        "Change the signed-in user's own password (needs the current one); the user's other sessions end; audited",
      operationId: 'changeOwnPassword',
      auth: true,
      permission: 'session',
      requestBody: ChangePasswordBody,
      response: Type.Object({ changed: Type.Boolean() }),
      handle: (ctx) => {
        const session = ctx.caller.session;
        if (session === undefined)
          throw new SiteportError(
            'E_VALIDATION',
            'an API token has no password; sign in to the console to change your password',
          );
        return users.changeOwnPassword(session, ctx.body.currentPassword, checkNewPassword(ctx.body.newPassword));
      },
    }),
  ];
}
