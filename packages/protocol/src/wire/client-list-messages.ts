import { type Static, Type } from '@sinclair/typebox';
import { CLIENT_STATUSES } from './registration-messages.js';

/** Clients per page of `GET /api/v1/sites/{code}/clients` when `limit` is not given. */
export const CLIENT_PAGE_DEFAULT_LIMIT = 100;
/** The most clients one page holds (`limit` above it is refused). */
export const CLIENT_PAGE_MAX_LIMIT = 1000;

/** Activity filter: seen within the site's active window, or not (never seen included). */
export const CLIENT_ACTIVITIES = ['active', 'inactive'] as const;
export type ClientActivity = (typeof CLIENT_ACTIVITIES)[number];

/** Channel filter: how the site can reach a client now (its notification presence). */
export const CLIENT_CHANNELS = ['tcp', 'http-poll', 'none'] as const;
export type ClientChannel = (typeof CLIENT_CHANNELS)[number];

/** The query parameters of the clients list; any other name is refused. */
export const CLIENT_LIST_QUERY = [
  'limit',
  'cursor',
  'status',
  'activity',
  'channel',
  'port',
  'lastSeenBefore',
  'lastSeenAfter',
] as const;
export type ClientListQueryName = (typeof CLIENT_LIST_QUERY)[number];

const Count = Type.Integer({ minimum: 0 });

/** `GET /api/v1/sites/{code}/clients/counts`: how many clients a site has, by status, activity, channel and port. */
export const ClientCounts = Type.Object({
  siteCode: Type.String(),
  /** Every client record of the site, retired ones included. */
  total: Count,
  byStatus: Type.Object(
    Object.fromEntries(CLIENT_STATUSES.map((s) => [s, Count])) as Record<
      (typeof CLIENT_STATUSES)[number],
      typeof Count
    >,
  ),
  /** `never`: registered, never heard from; `inactive` holds them too. */
  byActivity: Type.Object({ active: Count, inactive: Count, never: Count }),
  /** From the notification presence of this process and the site's other MP processes. */
  byChannel: Type.Object({ tcp: Count, 'http-poll': Count, none: Count }),
  /** Clients per request port they were last seen on, most first. */
  byPort: Type.Array(
    Type.Object({
      protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]),
      port: Type.Integer({ minimum: 1, maximum: 65535 }),
      clients: Count,
    }),
  ),
  activeWindowSeconds: Type.Integer(),
});
export type ClientCounts = Static<typeof ClientCounts>;
