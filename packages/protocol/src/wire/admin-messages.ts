import { type Static, type TOptional, Type } from '@sinclair/typebox';
import { MAX_DESCRIPTION_LENGTH } from '../port-rules.js';
import { PORT_ITEMS, type PortItem } from '../port-settings.js';
import { CLIENT_CATEGORIES, COMMUNICATION_MODES_SCHEMA } from './enums.js';
import { ClientStatusSchema } from './registration-messages.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const OptionalPort = Type.Union([Port, Type.Null()]);
const Pair = Type.Object({ default: Port, alternate: OptionalPort });
const Descriptions = Type.Object({
  http: Type.String(),
  'http-alternate': Type.String(),
  https: Type.String(),
  'https-alternate': Type.String(),
  notification: Type.String(),
  wake: Type.String(),
});

/** A site's port settings as `siteport ports show --json` prints them (keys fixed by SPEC §4). */
export const PortsView = Type.Object({
  siteCode: Type.String(),
  http: Pair,
  https: Pair,
  notification: Port,
  wake: Port,
  customWebSite: Type.Boolean(),
  communicationMode: COMMUNICATION_MODES_SCHEMA,
  descriptions: Descriptions,
  version: Type.Integer({ minimum: 1 }),
  updatedAt: Type.String({ format: 'date-time' }),
  /** Ports MPs still serve beside the current ones so that polling clients can move. */
  overlap: Type.Array(
    Type.Object({
      protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]),
      port: Port,
      until: Type.String(),
    }),
  ),
  /** Set on a secondary site: the primary whose settings it mirrors (read-only here). */
  inheritedFrom: Type.Optional(Type.String()),
});
export type PortsView = Static<typeof PortsView>;

/** A port item's description as a change sets it: the rule of `checkDescription`, which the CLI applies. */
const DescriptionText = Type.String({
  maxLength: MAX_DESCRIPTION_LENGTH,
  pattern: '^[^\\u0000-\\u001f\\u007f]*$',
  description: `plain text on one line of at most ${MAX_DESCRIPTION_LENGTH} characters (no control characters)`,
});
const PairChange = Type.Object(
  { default: Type.Optional(Port), alternate: Type.Optional(OptionalPort) },
  { additionalProperties: false },
);

/** `PATCH /api/v1/sites/{code}/ports`: only the named fields change. */
export const PortChangeBody = Type.Object(
  {
    expectedVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'the version you read; the change is refused if the settings changed since',
      }),
    ),
    http: Type.Optional(PairChange),
    https: Type.Optional(PairChange),
    notification: Type.Optional(Port),
    wake: Type.Optional(Port),
    customWebSite: Type.Optional(Type.Boolean()),
    communicationMode: Type.Optional(COMMUNICATION_MODES_SCHEMA),
    descriptions: Type.Optional(
      Type.Object(
        Object.fromEntries(PORT_ITEMS.map((item) => [item, Type.Optional(DescriptionText)])) as Record<
          PortItem,
          TOptional<typeof DescriptionText>
        >,
        {
          additionalProperties: false,
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PortChangeBody = Static<typeof PortChangeBody>;

/** A warning attached to a change (SPEC S6, B4), with the concrete facts. */
export const ChangeWarning = Type.Object({
  code: Type.String(),
  message: Type.String(),
  clients: Type.Optional(Type.Array(Type.String())),
  /** Web applications of the default web site that the change moves (SPEC S5). */
  applications: Type.Optional(Type.Array(Type.String())),
});
export type ChangeWarning = Static<typeof ChangeWarning>;

export const PortChangeResult = Type.Object({
  ports: PortsView,
  warnings: Type.Array(ChangeWarning),
  /** The rollout a change of request ports started (null for other changes). */
  rolloutId: Type.Union([Type.String(), Type.Null()]),
});
export type PortChangeResult = Static<typeof PortChangeResult>;

export const ClientView = Type.Object({
  clientId: Type.String(),
  siteCode: Type.String(),
  hostname: Type.String(),
  category: CLIENT_CATEGORIES,
  registeredAt: Type.String(),
  lastContact: Type.Union([
    Type.Object({
      at: Type.String(),
      port: Port,
      protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]),
      address: Type.String(),
    }),
    Type.Null(),
  ]),
  settingsVersion: Type.Integer(),
  agentState: Type.String(),
  activity: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  /** managed, or unmanaged when the client was last seen on ports the site no longer serves. */
  managed: Type.Union([Type.Literal('managed'), Type.Literal('unmanaged')]),
  unmanagedReason: Type.Optional(Type.String()),
  stateDir: Type.Union([Type.String(), Type.Null()]),
  /** Registration status (decision 0095): active, pending approval, blocked or retired. */
  status: ClientStatusSchema,
});
export type ClientView = Static<typeof ClientView>;

/** One page of a site's clients in client id order; `nextCursor` (absent on the last page) asks for the next one. */
export const ClientList = Type.Object({
  clients: Type.Array(ClientView),
  activeWindowSeconds: Type.Integer(),
  nextCursor: Type.Optional(Type.String()),
});
export type ClientList = Static<typeof ClientList>;

export const SiteView = Type.Object({
  siteCode: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('primary'), Type.Literal('secondary')]),
  policyIntervalSeconds: Type.Integer(),
  activeWindowSeconds: Type.Integer(),
  caFingerprint: Type.String(),
  clients: Type.Object({ total: Type.Integer(), active: Type.Integer() }),
  listeners: Type.Array(
    Type.Object({
      protocol: Type.String(),
      port: Port,
      state: Type.String(),
      /** The address the listener is bound to (`::` = IPv6 and IPv4, dual stack). */
      address: Type.Optional(Type.String()),
    }),
  ),
  /** The primary a secondary site is attached to (null for a primary). */
  parentCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** For a secondary listed by its primary: how it last reported in. */
  sync: Type.Optional(
    Type.Object({
      adminUrl: Type.String(),
      registeredAt: Type.String(),
      lastSeenAt: Type.String(),
      syncedVersion: Type.Integer(),
      state: Type.Union([Type.Literal('in-sync'), Type.Literal('behind'), Type.Literal('silent')]),
    }),
  ),
});
export type SiteView = Static<typeof SiteView>;

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

/** One audit record as the admin API returns it (`GET /api/v1/audit`). */
export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  siteCode: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  oldValue: Type.Unknown(),
  newValue: Type.Unknown(),
  outcome: Type.String(),
});
export type AuditEntryView = Static<typeof AuditEntryView>;

export const AuditList = Type.Object({ entries: Type.Array(AuditEntryView) });
export type AuditList = Static<typeof AuditList>;
