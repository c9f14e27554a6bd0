import { type Static, Type } from '@sinclair/typebox';
import { CONSOLE_ROLES, type ConsoleRole, PERMISSIONS, TOKEN_ROLES } from '../access/permissions.js';
import { MAX_SCOPE_SITES, normalizeSiteScope } from '../access/site-scope.js';
import { SiteCodeField } from '../site-code.js';
import { SiteportError } from '../siteport-error.js';

/** Header that carries the session's CSRF token on every state-changing browser request. */
export const CSRF_HEADER = 'x-siteport-csrf';
/** Name of the console session cookie. */
export const SESSION_COOKIE = 'siteport_session';
/** Shortest and longest accepted console password. */
export const PASSWORD_LENGTH = { min: 12, max: 256 } as const;

const Role = Type.Union(CONSOLE_ROLES.map((r) => Type.Literal(r)));
const CallerRole = Type.Union(TOKEN_ROLES.map((r) => Type.Literal(r)));
/** The sites an account or token is limited to; null for every site. */
export const SiteScope = Type.Union([Type.Array(Type.String()), Type.Null()]);
/** The sites a new or changed account or token is limited to: 1 to 100 site codes, or null for every site. */
export const SiteScopeField = Type.Union([
  Type.Array(SiteCodeField, { minItems: 1, maxItems: MAX_SCOPE_SITES }),
  Type.Null(),
]);
/** A console user or API token name (the audit actor `user:<name>`, `token:<name>`). */
export const AccountName = Type.String({
  pattern: '^[\\w.@-]{1,64}$',
  description: '1-64 letters, digits, ".", "_", "@" or "-"',
});
/** A password as it is sent; a new one must also meet {@link checkNewPassword}. */
const PasswordText = Type.String({ description: `${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters` });

/** `POST /api/v1/session`: sign in. */
export const SignInBody = Type.Object(
  { user: AccountName, password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH.max }) },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

/** Who is calling: a browser session (with its CSRF token) or the bearer token. */
export const SessionView = Type.Object({
  user: Type.String(),
  role: CallerRole,
  /** The sites the caller is limited to; null for every site. */
  sites: SiteScope,
  /** What the caller may do (decision 0094), so the console can leave out what would be refused. */
  permissions: Type.Array(Type.Union(Object.keys(PERMISSIONS).map((p) => Type.Literal(p)))),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});
export type SessionView = Static<typeof SessionView>;

/** `POST /api/v1/console/users`: a new local account. */
export const CreateUserBody = Type.Object(
  { user: AccountName, role: Role, password: PasswordText, sites: Type.Optional(SiteScopeField) },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const ConsoleUserView = Type.Object({
  user: Type.String(),
  role: Role,
  sites: SiteScope,
  disabled: Type.Boolean(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});
export type ConsoleUserView = Static<typeof ConsoleUserView>;

/** `PATCH /api/v1/console/users/{user}`: only the named fields change. */
export const UpdateUserBody = Type.Object(
  { role: Type.Optional(Role), sites: Type.Optional(SiteScopeField), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

/** `POST /api/v1/console/users/{user}/password`: an administrator sets a new password. */
export const ResetPasswordBody = Type.Object({ password: PasswordText }, { additionalProperties: false });
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

/** `PUT /api/v1/session/password`: a signed-in user changes its own password. */
export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH.max }), newPassword: PasswordText },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** Checks a console user name: 1–64 letters, digits, `.`, `_`, `@`, `-`. */
export function parseUserName(value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.@-]{1,64}$/.test(value)) {
    throw new SiteportError('E_VALIDATION', 'user must be 1-64 letters, digits, ".", "_", "@" or "-"', {
      details: { field: 'user' },
    });
  }
  return value;
}

/** Checks a console role name. */
export function parseConsoleRole(value: unknown): ConsoleRole {
  if (typeof value === 'string' && (CONSOLE_ROLES as readonly string[]).includes(value)) return value as ConsoleRole;
  throw new SiteportError('E_VALIDATION', `role must be one of ${CONSOLE_ROLES.join(', ')}`, {
    details: { field: 'role' },
  });
}

/** The password rule (E_PASSWORD): its length only, since long passphrases beat composition rules. */
export function checkNewPassword(password: string): string {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new SiteportError(
      'E_PASSWORD',
      `the password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long`,
      { details: { field: 'password' } },
    );
  }
  return password;
}

/** The rules of a new account its schema cannot state: the password rule; its site scope normalized. */
export function checkCreateUser(body: CreateUserBody): CreateUserBody {
  return {
    ...body,
    password: checkNewPassword(body.password),
    sites: body.sites === undefined ? null : normalizeSiteScope(body.sites),
  };
}

/** An account change with its site scope normalized. */
export function checkUpdateUser(body: UpdateUserBody): UpdateUserBody {
  return body.sites === undefined ? body : { ...body, sites: normalizeSiteScope(body.sites) };
}
