import { type Static, Type } from '@sinclair/typebox';
import { TOKEN_ROLES, type AdminRole } from '../access/permissions.js';
import { parseSiteScope } from '../access/site-scope.js';
import { parseExpiresAt } from '../access/token-expiry.js';
import { SiteportError } from '../siteport-error.js';
import { SiteScope } from './console-messages.js';

const TokenRole = Type.Union(TOKEN_ROLES.map((r) => Type.Literal(r)));

/** An API token as the admin API shows it: never its secret, which only its creation answer carries. */
export const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: TokenRole,
  sites: SiteScope,
  createdAt: Type.String(),
  createdBy: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revokedBy: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export type TokenView = Static<typeof TokenView>;

/** `POST /api/v1/tokens`: a new token; `expiresAt` null or left out means it never expires. */
export const CreateTokenBody = Type.Object(
  {
    name: Type.String(),
    role: TokenRole,
    sites: Type.Optional(SiteScope),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

/** The answer to `POST /api/v1/tokens`: the only time the secret is shown. */
export const CreatedToken = Type.Intersect([TokenView, Type.Object({ secret: Type.String() })]);
export type CreatedToken = Static<typeof CreatedToken>;

/** Checks a token name: 1–64 letters, digits, `.`, `_`, `@`, `-` (it is the audit actor `token:<name>`). */
export function parseTokenName(value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.@-]{1,64}$/.test(value)) {
    throw new SiteportError('E_VALIDATION', 'token name must be 1-64 letters, digits, ".", "_", "@" or "-"', {
      details: { field: 'name' },
    });
  }
  return value;
}

/** Checks a token role name. */
export function parseTokenRole(value: unknown): AdminRole {
  if (typeof value === 'string' && (TOKEN_ROLES as readonly string[]).includes(value)) return value as AdminRole;
  throw new SiteportError('E_VALIDATION', `role must be one of ${TOKEN_ROLES.join(', ')}`, {
    details: { field: 'role' },
  });
}

/** Parses the body of `POST /api/v1/tokens`. */
export function parseCreateTokenBody(
  body: unknown,
  now: Date,
): { name: string; role: AdminRole; sites: string[] | null; expiresAt: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SiteportError(
      'E_BAD_REQUEST',
      'the request body must be a JSON object with name, role, sites, expiresAt',
    );
  const unknown = Object.keys(body).find((k) => !['name', 'role', 'sites', 'expiresAt'].includes(k));
  if (unknown !== undefined)
    throw new SiteportError('E_VALIDATION', `unknown field '${unknown}'; use name, role, sites, expiresAt`);
  const input = body as Record<string, unknown>;
  const role = parseTokenRole(input.role);
  const sites = input.sites === undefined ? null : parseSiteScope(input.sites);
  if ((role === 'secondary' || role === 'peer') && sites === null) {
    throw new SiteportError(
      'E_VALIDATION',
      `a ${role} token must be limited to sites: the primary and the secondary (secondary) or the peer's own site (peer)`,
      { details: { field: 'sites' } },
    );
  }
  return {
    name: parseTokenName(input.name),
    role,
    sites,
    expiresAt: input.expiresAt === undefined || input.expiresAt === null ? null : parseExpiresAt(input.expiresAt, now),
  };
}
