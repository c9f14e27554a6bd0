import { type Static, Type } from '@sinclair/typebox';
import { WireId } from './client-fields.js';

/** How many collections a site may have, windows a collection, subnets and client ids a rule. */
export const WINDOW_LIMITS = Object.freeze({
  collectionsPerSite: 100,
  windowsPerCollection: 20,
  subnets: 64,
  clientIds: 1000,
});

export const WEEK_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** A collection name: letters, digits and `._-`, starting with a letter or digit. */
export const CollectionName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'a name of at most 64 letters, digits or . _ - (starting with a letter or digit)',
});

/** A host-name glob: DNS characters with `*` (any run) and `?` (one character); matched case-insensitively, never as a regular expression. */
export const HostGlob = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9.*?-]+$',
  description: 'host-name glob of letters, digits, . - and the wildcards * and ?',
});

/** An IPv4 or IPv6 subnet in CIDR notation (`10.1.0.0/16`, `fd00::/64`). */
export const SubnetCidr = Type.String({
  minLength: 3,
  maxLength: 49,
  pattern: '^[0-9A-Fa-f:.]+/[0-9]{1,3}$',
  description: 'a subnet in CIDR notation, e.g. 10.1.0.0/16 or fd00::/64',
});

/** `POST /sites/{code}/collections`: a collection and who is in it (at least one rule; a client matching any rule is a member). */
export const CollectionBody = Type.Object(
  {
    name: CollectionName,
    hostGlob: Type.Optional(HostGlob),
    subnets: Type.Optional(Type.Array(SubnetCidr, { maxItems: WINDOW_LIMITS.subnets, uniqueItems: true })),
    clientIds: Type.Optional(Type.Array(WireId, { maxItems: WINDOW_LIMITS.clientIds, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type CollectionBody = Static<typeof CollectionBody>;

const WeekDaySchema = Type.Union(WEEK_DAYS.map((d) => Type.Literal(d)));

/** `POST /sites/{code}/collections/{name}/windows`: a recurring weekly window in an IANA zone. */
export const WindowBody = Type.Object(
  {
    days: Type.Array(WeekDaySchema, { minItems: 1, maxItems: 7, uniqueItems: true }),
    start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local HH:MM the window opens' }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'how long it stays open, at most 24 h' }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' }),
  },
  { additionalProperties: false },
);
export type WindowBody = Static<typeof WindowBody>;

/** When a window is open next (or now): UTC and the wall time in its zone. */
export const WindowOpening = Type.Object({
  opensAt: Type.String({ description: 'UTC, ISO-8601' }),
  closesAt: Type.String({ description: 'UTC, ISO-8601' }),
  local: Type.String({ description: 'the opening in the window zone: 2026-12-05 02:00:00 +01:00' }),
  open: Type.Boolean({ description: 'the window is open now' }),
});
export type WindowOpening = Static<typeof WindowOpening>;

export const WindowView = Type.Object({
  id: Type.String(),
  days: Type.Array(Type.String()),
  start: Type.String(),
  durationMinutes: Type.Integer(),
  timeZone: Type.String(),
  next: Type.Union([WindowOpening, Type.Null()]),
});
export type WindowView = Static<typeof WindowView>;

export const CollectionView = Type.Object({
  id: Type.String(),
  siteCode: Type.String(),
  name: Type.String(),
  hostGlob: Type.Union([Type.String(), Type.Null()]),
  subnets: Type.Array(Type.String()),
  clientIds: Type.Array(Type.String()),
  members: Type.Integer({ description: 'registered clients of the site the rule matches now' }),
  windows: Type.Array(WindowView),
  createdAt: Type.String(),
  createdBy: Type.String(),
});
export type CollectionView = Static<typeof CollectionView>;

/** A client a rollout keeps on the old ports until its window opens. */
export const WaitingClient = Type.Object({
  clientId: Type.String(),
  hostname: Type.String(),
  collection: Type.String({ description: 'the collection whose window opens first for this client' }),
  windowId: Type.Union([Type.String(), Type.Null()]),
  opensAt: Type.Union([Type.String(), Type.Null()], { description: 'UTC; null: none in the next 8 days' }),
  local: Type.Union([Type.String(), Type.Null()], { description: 'the opening in the window zone' }),
  timeZone: Type.Union([Type.String(), Type.Null()]),
});
export type WaitingClient = Static<typeof WaitingClient>;
