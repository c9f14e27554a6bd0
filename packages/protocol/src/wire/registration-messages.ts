import { type Static, Type } from '@sinclair/typebox';
import { PrintableText } from './client-fields.js';

/**
 * Who may become a client of a site (decision 0095): `open` registers every client at once,
 * `approve-new` keeps a new client pending until an administrator approves it (a valid
 * registration token approves it at once), `token` registers only clients that bring a valid
 * registration token.
 */
export const REGISTRATION_MODES = ['open', 'approve-new', 'token'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/**
 * Where a client stands with its site: `active` (served), `pending` (registered, waiting for
 * approval), `blocked` (every request refused until unblocked), `retired` (decommissioned; its
 * key is no longer accepted, the record is kept for history).
 */
export const CLIENT_STATUSES = ['active', 'pending', 'blocked', 'retired'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/** What an administrator can do to a client; each is audited. */
export const CLIENT_ACTIONS = ['approve', 'block', 'unblock', 'retire'] as const;
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

/** A registration token as the site hands it out once: prefix, then 32 random bytes base64url. */
export const REGISTRATION_TOKEN_PREFIX = 'sprt_';
const TOKEN_PATTERN = /^sprt_[A-Za-z0-9_-]{43}$/;
/** Longest lifetime of a registration token: one year. */
export const MAX_TOKEN_SECONDS = 365 * 86_400;
/** Most uses of one registration token. */
export const MAX_TOKEN_USES = 100_000;

export const RegistrationModeSchema = Type.Union(REGISTRATION_MODES.map((m) => Type.Literal(m)));
export const ClientStatusSchema = Type.Union(CLIENT_STATUSES.map((s) => Type.Literal(s)));

/** `GET /api/v1/sites/{code}/registration`. */
export const RegistrationView = Type.Object({
  siteCode: Type.String(),
  mode: RegistrationModeSchema,
  /** Clients per status (retired ones included). */
  clients: Type.Object({
    active: Type.Integer(),
    pending: Type.Integer(),
    blocked: Type.Integer(),
    retired: Type.Integer(),
  }),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type RegistrationView = Static<typeof RegistrationView>;

/** `PATCH /api/v1/sites/{code}/registration`. */
export const RegistrationChangeBody = Type.Object({ mode: RegistrationModeSchema }, { additionalProperties: false });
export type RegistrationChangeBody = Static<typeof RegistrationChangeBody>;

/** `POST /api/v1/sites/{code}/registration/tokens`. */
export const RegistrationTokenCreateBody = Type.Object(
  {
    label: Type.Optional(PrintableText(200)),
    uses: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TOKEN_USES,
        description: 'how many registrations the token allows (default 1)',
      }),
    ),
    expiresInSeconds: Type.Optional(
      Type.Integer({ minimum: 60, maximum: MAX_TOKEN_SECONDS, description: 'lifetime (default 7 days)' }),
    ),
    anySite: Type.Optional(
      Type.Boolean({ description: 'valid at every site served from this database, not only this one (default false)' }),
    ),
  },
  { additionalProperties: false },
);
export type RegistrationTokenCreateBody = Static<typeof RegistrationTokenCreateBody>;

/** A registration token without its secret (only its hash is stored). */
export const RegistrationTokenView = Type.Object({
  id: Type.String(),
  /** The site it is valid at, or null: every site served from this database. */
  siteCode: Type.Union([Type.String(), Type.Null()]),
  label: Type.String(),
  uses: Type.Integer(),
  maxUses: Type.Integer(),
  expiresAt: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.Literal('valid'), Type.Literal('used-up'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export type RegistrationTokenView = Static<typeof RegistrationTokenView>;

export const RegistrationTokenList = Type.Object({ tokens: Type.Array(RegistrationTokenView) });
export type RegistrationTokenList = Static<typeof RegistrationTokenList>;

/** The answer to creating a token: the only time its secret is shown. */
export const RegistrationTokenCreated = Type.Object({
  token: Type.String({ description: 'the secret: pass it as SMSREGTOKEN; shown once' }),
  view: RegistrationTokenView,
});
export type RegistrationTokenCreated = Static<typeof RegistrationTokenCreated>;

/** `POST /api/v1/sites/{code}/clients/{id}/{action}`: an optional reason for the audit log. */
export const ClientActionBody = Type.Object(
  { reason: Type.Optional(PrintableText(500)) },
  { additionalProperties: false },
);
export type ClientActionBody = Static<typeof ClientActionBody>;

/** The answer to a client action. */
export const ClientActionResult = Type.Object({
  clientId: Type.String(),
  siteCode: Type.String(),
  from: ClientStatusSchema,
  status: ClientStatusSchema,
});
export type ClientActionResult = Static<typeof ClientActionResult>;

/** Whether a string is a registration mode. */
export function isRegistrationMode(value: unknown): value is RegistrationMode {
  return typeof value === 'string' && (REGISTRATION_MODES as readonly string[]).includes(value);
}

/** Whether a string is a client action. */
export function isClientAction(value: unknown): value is ClientAction {
  return typeof value === 'string' && (CLIENT_ACTIONS as readonly string[]).includes(value);
}

/** Whether a string has the shape of a registration token (not whether the site knows it). */
export function isRegistrationTokenShape(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
