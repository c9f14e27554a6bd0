import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  CLIENT_ACTIVITIES,
  CLIENT_CHANNELS,
  CLIENT_PAGE_DEFAULT_LIMIT,
  CLIENT_PAGE_MAX_LIMIT,
  CLIENT_STATUSES,
  type ClientActivity,
  type ClientChannel,
  type ClientListQueryName,
  type ClientStatus,
  SiteportError,
} from '@siteport/protocol';
import { type CursorPosition, decodeCursor, filterKey } from './client-cursor.js';

/** The filters of a clients listing, validated and normalized (timestamps as `toISOString`). */
export interface ClientFilters {
  status?: ClientStatus;
  activity?: ClientActivity;
  channel?: ClientChannel;
  port?: number;
  /** Last contact strictly before this instant. */
  lastSeenBefore?: string;
  /** Last contact at or after this instant. */
  lastSeenAfter?: string;
}

/** A validated request for one page of a site's clients. */
export interface ClientListQuery {
  limit: number;
  /** Where the page starts (undefined: at the first client). */
  cursor: CursorPosition | undefined;
  filters: ClientFilters;
  /** {@link filterKey} of the filters: a cursor is bound to it. */
  filterKey: string;
}

/** ISO 8601 date, or date and time with `Z` or an offset (a time without a zone would be ambiguous). */
const ISO_8601 = '^\\d{4}-\\d{2}-\\d{2}(?:T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:Z|[+-]\\d{2}:\\d{2}))?$';
/** A last-seen bound; never-seen clients match neither bound. */
const Instant = Type.String({
  maxLength: 40,
  pattern: ISO_8601,
  description: 'an ISO 8601 date or date-time with a zone, e.g. 2026-01-31 or 2026-01-31T08:00:00Z',
});

/** The query of `GET /sites/{code}/clients`: the admin API checks it before {@link checkClientListQuery}. */
export const ClientListParams = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: CLIENT_PAGE_MAX_LIMIT,
        default: CLIENT_PAGE_DEFAULT_LIMIT,
        description: `Clients per page, 1 to ${CLIENT_PAGE_MAX_LIMIT}; follow nextCursor for more`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ description: 'The nextCursor of the previous page (same filters); absent for the first page' }),
    ),
    status: Type.Optional(
      Type.Union(
        CLIENT_STATUSES.map((s) => Type.Literal(s)),
        { description: 'Only clients in this registration status' },
      ),
    ),
    activity: Type.Optional(
      Type.Union(
        CLIENT_ACTIVITIES.map((s) => Type.Literal(s)),
        {
          description:
            "Only clients seen within the site's active window (active) or not (inactive, never seen included)",
        },
      ),
    ),
    channel: Type.Optional(
      Type.Union(
        CLIENT_CHANNELS.map((s) => Type.Literal(s)),
        {
          description:
            'Only clients reachable now over the notification TCP channel, the HTTP(S) long-poll, or neither',
        },
      ),
    ),
    port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, description: 'Only clients whose last request came in on this port' }),
    ),
    lastSeenBefore: Type.Optional(Instant),
    lastSeenAfter: Type.Optional(Instant),
  } satisfies Record<ClientListQueryName, TSchema>,
  { additionalProperties: false },
);
export type ClientListParams = Static<typeof ClientListParams>;

function bad(field: string, message: string): SiteportError {
  return new SiteportError('E_VALIDATION', message, { details: { field } });
}

/** A checked ISO 8601 text as the UTC instant it names; a day that does not exist (2026-13-01) is refused. */
function instant(field: string, text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw bad(field, `${field} names no existing day or time; give a date like 2026-01-31`);
  return new Date(ms).toISOString();
}

/**
 * The rules of the clients list query its schema cannot state: timestamps are days that exist and
 * are normalized to UTC, `lastSeenAfter` lies before `lastSeenBefore`, and the cursor decodes
 * (E_CURSOR_INVALID otherwise). E_VALIDATION names the parameter (`details.field`).
 */
export function checkClientListQuery(params: ClientListParams): ClientListQuery {
  const filters: ClientFilters = {};
  if (params.status !== undefined) filters.status = params.status;
  if (params.activity !== undefined) filters.activity = params.activity;
  if (params.channel !== undefined) filters.channel = params.channel;
  if (params.port !== undefined) filters.port = params.port;
  if (params.lastSeenBefore !== undefined) filters.lastSeenBefore = instant('lastSeenBefore', params.lastSeenBefore);
  if (params.lastSeenAfter !== undefined) filters.lastSeenAfter = instant('lastSeenAfter', params.lastSeenAfter);
  if (
    filters.lastSeenBefore !== undefined &&
    filters.lastSeenAfter !== undefined &&
    filters.lastSeenAfter >= filters.lastSeenBefore
  ) {
    throw bad('lastSeenAfter', 'lastSeenAfter must be earlier than lastSeenBefore, else no client can match');
  }
  return {
    limit: params.limit ?? CLIENT_PAGE_DEFAULT_LIMIT,
    cursor: params.cursor === undefined ? undefined : decodeCursor(params.cursor),
    filters,
    filterKey: filterKey({ ...filters }),
  };
}
