import { type Static, Type } from '@sinclair/typebox';
import { TOKEN_ROLES, type AdminRole } from '../access/permissions.js';
import { normalizeSiteScope } from '../access/site-scope.js';
import { parseExpiresAt } from '../access/token-expiry.js';
import { SiteportError } from '../siteport-error.js';
import { AccountName, SiteScope, SiteScopeField } from './console-messages.js';

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
    name: AccountName,
    role: TokenRole,
    sites: Type.Optional(SiteScopeField),
    expiresAt: Type.Optional(
      Type.Union([
        Type.String({
          maxLength: 40,
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
          description: 'an ISO 8601 date-time with a zone, e.g. 2026-01-31T18:00:00Z',
        }),
        Type.Null(),
      ]),
    ),
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

/**
 * The rules of a new token its schema cannot state: a secondary or peer token is limited to sites,
 * an expiry lies in the future (normalized to UTC), the site scope is normalized.
 */
export function checkCreateToken(
  body: CreateTokenBody,
  now: Date,
): { name: string; role: AdminRole; sites: string[] | null; expiresAt: string | null } {
  const sites = normalizeSiteScope(body.sites ?? null);
  if ((body.role === 'secondary' || body.role === 'peer') && sites === null) {
    throw new SiteportError(
      'E_VALIDATION',
      `a ${body.role} token must be limited to sites: the primary and the secondary (secondary) or the peer's own site (peer)`,
      { details: { field: 'sites' } },
    );
  }
  return {
    name: body.name,
    role: body.role,
    sites,
    expiresAt: body.expiresAt === undefined || body.expiresAt === null ? null : parseExpiresAt(body.expiresAt, now),
  };
}
