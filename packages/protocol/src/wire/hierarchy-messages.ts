import { type Static, Type } from '@sinclair/typebox';
import { SiteCodeField } from '../site-code.js';
import { PortsView, SiteView } from './admin-messages.js';

/** An admin API base URL as a request names it; the server checks it is http(s) without a path. */
const AdminUrlField = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'an admin API URL like http://10.0.0.5:8440',
});

/** `POST /api/v1/sites/{primary}/secondaries`: a secondary site server attaches itself. */
export const RegisterSecondaryBody = Type.Object(
  {
    siteCode: SiteCodeField,
    adminUrl: AdminUrlField,
    caFingerprint: Type.String({
      maxLength: 200,
      pattern: '^[0-9A-Fa-f:]{32,}$',
      description: 'the hex SHA-256 fingerprint of the secondary site CA',
    }),
  },
  { additionalProperties: false },
);
export type RegisterSecondaryBody = Static<typeof RegisterSecondaryBody>;

/** What a secondary reports about itself on every sync, shown by its primary. */
export const SecondaryStatus = Type.Object(
  {
    syncedVersion: Type.Integer(),
    policyIntervalSeconds: Type.Integer(),
    activeWindowSeconds: Type.Integer(),
    clients: Type.Object({ total: Type.Integer(), active: Type.Integer() }, { additionalProperties: false }),
    /** The secondary's listeners as its MP reports them (`mode` and `error` too, which the primary does not show). */
    listeners: Type.Array(
      Type.Object(
        {
          protocol: Type.String({ maxLength: 16 }),
          port: Type.Integer(),
          state: Type.String({ maxLength: 64 }),
          mode: Type.Optional(Type.String({ maxLength: 64 })),
          /** The address it is bound to (`::` = IPv6 and IPv4). */
          address: Type.Optional(Type.String({ maxLength: 64 })),
          error: Type.Optional(Type.String({ maxLength: 4096 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 256 },
    ),
  },
  { additionalProperties: false },
);
export type SecondaryStatus = Static<typeof SecondaryStatus>;

/** `POST /api/v1/sites/{primary}/secondaries/{code}/sync`: a long poll for the primary's ports. */
export const SecondarySyncBody = Type.Object(
  {
    /** The `etag` of the settings the secondary holds; the call returns at once when it differs. */
    knownEtag: Type.Union([Type.String(), Type.Null()]),
    /** How long the primary may hold the call when nothing changed, 0–55 s. */
    waitSeconds: Type.Integer({ minimum: 0, maximum: 55 }),
    status: SecondaryStatus,
  },
  { additionalProperties: false },
);
export type SecondarySyncBody = Static<typeof SecondarySyncBody>;

/** The primary's current ports with an etag over settings, version and overlap. */
export const SecondarySyncResponse = Type.Object({
  primary: Type.String(),
  etag: Type.String(),
  changed: Type.Boolean(),
  ports: PortsView,
  /**
   * Set when a secondary registered with a broader credential: the secret of the `secondary` token the
   * primary issued for it. The secondary keeps it and uses it from then on (decision 0094).
   */
  linkToken: Type.Optional(Type.String()),
});
export type SecondarySyncResponse = Static<typeof SecondarySyncResponse>;

/** A peer primary site this primary applies hierarchy-wide changes to (its token is never shown). */
export const PeerPrimaryView = Type.Object({
  siteCode: Type.String(),
  url: Type.String(),
  addedAt: Type.String(),
  addedBy: Type.String(),
});
export type PeerPrimaryView = Static<typeof PeerPrimaryView>;

/** `POST /api/v1/hierarchy/primaries`. */
export const AddPeerPrimaryBody = Type.Object(
  {
    url: AdminUrlField,
    token: Type.String({ minLength: 1, maxLength: 512 }),
    /** PEM CA certificate of the peer's HTTPS admin API (not needed for http:// URLs). */
    caCertificate: Type.Optional(Type.String({ minLength: 1, maxLength: 16384 })),
  },
  { additionalProperties: false },
);
export type AddPeerPrimaryBody = Static<typeof AddPeerPrimaryBody>;

/** The link of a secondary site server to its primary, as the secondary sees it. */
export const ParentLinkView = Type.Object({
  siteCode: Type.Union([Type.String(), Type.Null()]),
  url: Type.String(),
  state: Type.Union([
    Type.Literal('connecting'),
    Type.Literal('in-sync'),
    Type.Literal('primary-unreachable'),
    Type.Literal('stopped'),
  ]),
  syncedVersion: Type.Union([Type.Integer(), Type.Null()]),
  lastSyncAt: Type.Union([Type.String(), Type.Null()]),
  unreachableSince: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});
export type ParentLinkView = Static<typeof ParentLinkView>;

/** `GET /api/v1/hierarchy`: this site's place in the hierarchy. */
export const HierarchyView = Type.Object({
  siteCode: Type.String(),
  kind: Type.Union([Type.Literal('primary'), Type.Literal('secondary')]),
  parent: Type.Union([ParentLinkView, Type.Null()]),
  secondaries: Type.Array(SiteView),
  primaries: Type.Array(PeerPrimaryView),
});
export type HierarchyView = Static<typeof HierarchyView>;

/** The outcome of a hierarchy-wide change at one primary site. */
export const SiteChangeOutcome = Type.Object({
  siteCode: Type.String(),
  url: Type.String(),
  ok: Type.Boolean(),
  ports: Type.Optional(PortsView),
  warnings: Type.Optional(Type.Array(Type.Object({ code: Type.String(), message: Type.String() }))),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type SiteChangeOutcome = Static<typeof SiteChangeOutcome>;

/** `PATCH /api/v1/hierarchy/ports`: one outcome per primary site, this one first. */
export const ApplyAllResult = Type.Object({
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(SiteChangeOutcome),
});
export type ApplyAllResult = Static<typeof ApplyAllResult>;
