import { type Static, Type } from '@sinclair/typebox';
import { CONSOLE_ROLES, type ConsoleRole, PERMISSIONS, TOKEN_ROLES } from '../access/permissions.js';
import { parseSiteScope } from '../access/site-scope.js';
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

/** `POST /api/v1/session`: sign in. */
export const SignInBody = Type.Object({ user: Type.String(), password: Type.String() }, { additionalProperties: false });
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
  { user: Type.String(), role: Role, password: Type.String(), sites: Type.Optional(SiteScope) },
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
  { role: Type.Optional(Role), sites: Type.Optional(SiteScope), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

/** `POST /api/v1/console/users/{user}/password`: an administrator sets a new password. */
export const ResetPasswordBody = Type.Object({ password: Type.String() }, { additionalProperties: false });
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

/** `PUT /api/v1/session/password`: a signed-in user changes its own password. */
export const ChangePasswordBody = Type.Object({ currentPassword: Type.String(), newPassword: Type.String() }, { additionalProperties: false });
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

function record(body: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SiteportError('E_BAD_REQUEST', `the request body must be a JSON object with ${keys.join(', ')}`);
  }
  const unknown = Object.keys(body).find((k) => !keys.includes(k));
  if (unknown !== undefined) throw new SiteportError('E_VALIDATION', `unknown field '${unknown}'; use ${keys.join(', ')}`);
  return body as Record<string, unknown>;
}

/** Checks a console user name: 1–64 letters, digits, `.`, `_`, `@`, `-`. */
export function parseUserName(value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.@-]{1,64}$/.test(value)) {
    throw new SiteportError('E_VALIDATION', 'user must be 1-64 letters, digits, ".", "_", "@" or "-"', { details: { field: 'user' } });
  }
  return value;
}

/** Checks a console role name. */
export function parseConsoleRole(value: unknown): ConsoleRole {
  if (typeof value === 'string' && (CONSOLE_ROLES as readonly string[]).includes(value)) return value as ConsoleRole;
  throw new SiteportError('E_VALIDATION', `role must be one of ${CONSOLE_ROLES.join(', ')}`, { details: { field: 'role' } });
}

/** Checks a new password's length (the only rule: long passphrases beat composition rules). */
export function parseNewPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < PASSWORD_LENGTH.min || value.length > PASSWORD_LENGTH.max) {
    throw new SiteportError('E_PASSWORD', `the password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long`, { details: { field: 'password' } });
  }
  return value;
}

/** Parses a sign-in body; any malformed one is E_VALIDATION, never a hint whether the user exists. */
export function parseSignInBody(body: unknown): SignInBody {
  const { user, password } = record(body, ['user', 'password']);
  if (typeof password !== 'string' || password.length === 0 || password.length > PASSWORD_LENGTH.max) {
    throw new SiteportError('E_VALIDATION', 'password must be a non-empty string', { details: { field: 'password' } });
  }
  return { user: parseUserName(user), password };
}

/** Parses the body of `POST /api/v1/console/users`. */
export function parseCreateUserBody(body: unknown): CreateUserBody {
  const { user, role, password, sites } = record(body, ['user', 'role', 'password', 'sites']);
  return { user: parseUserName(user), role: parseConsoleRole(role), password: parseNewPassword(password), sites: sites === undefined ? null : parseSiteScope(sites) };
}

/** Parses the body of `PATCH /api/v1/console/users/{user}`; an empty change is refused. */
export function parseUpdateUserBody(body: unknown): UpdateUserBody {
  const { role, sites, disabled } = record(body, ['role', 'sites', 'disabled']);
  if (disabled !== undefined && typeof disabled !== 'boolean') throw new SiteportError('E_VALIDATION', 'disabled must be true or false', { details: { field: 'disabled' } });
  const update: UpdateUserBody = {
    ...(role === undefined ? {} : { role: parseConsoleRole(role) }),
    ...(sites === undefined ? {} : { sites: parseSiteScope(sites) }),
    ...(disabled === undefined ? {} : { disabled }),
  };
  if (Object.keys(update).length === 0) throw new SiteportError('E_VALIDATION', 'nothing to change: give role, sites or disabled');
  return update;
}

/** Parses the body of `POST /api/v1/console/users/{user}/password`. */
export function parseResetPasswordBody(body: unknown): ResetPasswordBody {
  return { password: parseNewPassword(record(body, ['password']).password) };
}

/** Parses the body of `PUT /api/v1/session/password`. */
export function parseChangePasswordBody(body: unknown): ChangePasswordBody {
  const { currentPassword, newPassword } = record(body, ['currentPassword', 'newPassword']);
  if (typeof currentPassword !== 'string' || currentPassword.length === 0 || currentPassword.length > PASSWORD_LENGTH.max) {
    throw new SiteportError('E_VALIDATION', 'currentPassword must be the password you signed in with', { details: { field: 'currentPassword' } });
  }
  return { currentPassword, newPassword: parseNewPassword(newPassword) };
}
