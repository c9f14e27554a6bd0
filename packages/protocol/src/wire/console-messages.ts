import { type Static, Type } from '@sinclair/typebox';
import { SiteportError } from '../siteport-error.js';

/** Roles of console accounts: administrators change the site, analysts only read it. */
export const CONSOLE_ROLES = ['administrator', 'analyst'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** Header that carries the session's CSRF token on every state-changing browser request. */
export const CSRF_HEADER = 'x-siteport-csrf';
/** Name of the console session cookie. */
export const SESSION_COOKIE = 'siteport_session';
/** Shortest and longest accepted console password. */
export const PASSWORD_LENGTH = { min: 12, max: 256 } as const;

const Role = Type.Union(CONSOLE_ROLES.map((r) => Type.Literal(r)));

/** `POST /api/v1/session`: sign in. */
export const SignInBody = Type.Object({ user: Type.String(), password: Type.String() }, { additionalProperties: false });
export type SignInBody = Static<typeof SignInBody>;

/** Who is calling: a browser session (with its CSRF token) or the bearer token. */
export const SessionView = Type.Object({
  user: Type.String(),
  role: Role,
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});
export type SessionView = Static<typeof SessionView>;

/** `POST /api/v1/console/users`: a new local account. */
export const CreateUserBody = Type.Object({ user: Type.String(), role: Role, password: Type.String() }, { additionalProperties: false });
export type CreateUserBody = Static<typeof CreateUserBody>;

export const ConsoleUserView = Type.Object({ user: Type.String(), role: Role, createdAt: Type.String(), createdBy: Type.String() });
export type ConsoleUserView = Static<typeof ConsoleUserView>;

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
  const { user, role, password } = record(body, ['user', 'role', 'password']);
  return { user: parseUserName(user), role: parseConsoleRole(role), password: parseNewPassword(password) };
}
