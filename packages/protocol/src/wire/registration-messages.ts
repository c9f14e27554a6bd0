import { type Static, Type } from '@sinclair/typebox';
import { SiteportError } from '../siteport-error.js';

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
    label: Type.Optional(Type.String({ maxLength: 200 })),
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
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
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

function object(body: unknown, keys: readonly string[]): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SiteportError('E_BAD_REQUEST', `the request body must be a JSON object with ${keys.join(', ')}`);
  }
  const unknown = Object.keys(body).find((k) => !keys.includes(k));
  if (unknown !== undefined)
    throw new SiteportError('E_VALIDATION', `unknown field '${unknown}'; use ${keys.join(', ')}`, {
      details: { field: unknown },
    });
  return body as Record<string, unknown>;
}

function text(field: string, value: unknown, max: number): string | undefined {
  if (value === undefined) return undefined;
  // Shown in the console, the CLI and the audit log: printable text only.
  if (typeof value !== 'string' || value.length > max || /\p{Cc}/u.test(value)) {
    throw new SiteportError(
      'E_VALIDATION',
      `${field} must be text of at most ${max} characters without control characters`,
      { details: { field } },
    );
  }
  return value;
}

function integer(field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SiteportError('E_VALIDATION', `${field} must be a whole number from ${min} to ${max}`, {
      details: { field },
    });
  }
  return value;
}

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

/** Parses `PATCH /sites/{code}/registration`. */
export function parseRegistrationChangeBody(body: unknown): RegistrationChangeBody {
  const { mode } = object(body, ['mode']);
  if (!isRegistrationMode(mode)) {
    throw new SiteportError('E_VALIDATION', `mode must be one of ${REGISTRATION_MODES.join(', ')}`, {
      details: { field: 'mode' },
    });
  }
  return { mode };
}

/** Parses `POST /sites/{code}/registration/tokens`. */
export function parseRegistrationTokenCreateBody(body: unknown): RegistrationTokenCreateBody {
  const raw = object(body, ['label', 'uses', 'expiresInSeconds', 'anySite']);
  if (raw.anySite !== undefined && typeof raw.anySite !== 'boolean') {
    throw new SiteportError('E_VALIDATION', 'anySite must be true or false', { details: { field: 'anySite' } });
  }
  const label = text('label', raw.label, 200);
  const uses = integer('uses', raw.uses, 1, MAX_TOKEN_USES);
  const expiresInSeconds = integer('expiresInSeconds', raw.expiresInSeconds, 60, MAX_TOKEN_SECONDS);
  return {
    ...(label === undefined ? {} : { label }),
    ...(uses === undefined ? {} : { uses }),
    ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
    ...(raw.anySite === undefined ? {} : { anySite: raw.anySite }),
  };
}

/** Parses the optional body of a client action. */
export function parseClientActionBody(body: unknown): ClientActionBody {
  const reason = text('reason', object(body, ['reason']).reason, 500);
  return reason === undefined ? {} : { reason };
}
