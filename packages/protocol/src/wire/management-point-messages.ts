import { type Static, Type } from '@sinclair/typebox';

/** What a management point process is: the site server's own MP, or an additional MP process (`siteport server --role mp`). */
export const MP_ROLES = ['site', 'mp'] as const;
export type MpRole = (typeof MP_ROLES)[number];

/**
 * Liveness of a registered MP process: `running` (heartbeat within the stale window), `stopped`
 * (it stopped gracefully), `dead` (it stopped heartbeating: killed, crashed, or cut off from the database).
 */
export const MP_LIVENESS = ['running', 'stopped', 'dead'] as const;
export type MpLiveness = (typeof MP_LIVENESS)[number];

/** One management point process of a site, as `GET /api/v1/sites/{code}/management-points` shows it. */
export const ManagementPointView = Type.Object({
  id: Type.String(),
  siteCode: Type.String(),
  /** Host name clients use for this MP (in every policy while it runs). */
  host: Type.String(),
  /** Address its listeners bind. */
  bindAddress: Type.String(),
  role: Type.Union(MP_ROLES.map((r) => Type.Literal(r))),
  state: Type.Union(MP_LIVENESS.map((s) => Type.Literal(s))),
  startedAt: Type.String(),
  lastSeenAt: Type.String(),
});
export type ManagementPointView = Static<typeof ManagementPointView>;

export const ManagementPointList = Type.Object({
  siteCode: Type.String(),
  /** A running MP whose last heartbeat is older than this is dead. */
  staleAfterSeconds: Type.Number(),
  managementPoints: Type.Array(ManagementPointView),
});
export type ManagementPointList = Static<typeof ManagementPointList>;
