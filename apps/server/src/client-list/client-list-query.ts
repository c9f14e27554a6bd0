import {
  CLIENT_ACTIVITIES,
  CLIENT_CHANNELS,
  CLIENT_LIST_QUERY,
  CLIENT_PAGE_DEFAULT_LIMIT,
  CLIENT_PAGE_MAX_LIMIT,
  CLIENT_STATUSES,
  type ClientActivity,
  type ClientChannel,
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
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const WHOLE = /^\d{1,7}$/;

function bad(field: string, message: string): SiteportError {
  return new SiteportError('E_VALIDATION', message, { details: { field } });
}

function oneOf<T extends string>(field: string, text: string, values: readonly T[]): T {
  if ((values as readonly string[]).includes(text)) return text as T;
  throw bad(field, `${field} must be one of ${values.join(', ')}`);
}

function instant(field: string, text: string): string {
  const ms = ISO_8601.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw bad(
      field,
      `${field} must be an ISO 8601 date or date-time with a zone, e.g. 2026-01-31 or 2026-01-31T08:00:00Z`,
    );
  }
  return new Date(ms).toISOString();
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return CLIENT_PAGE_DEFAULT_LIMIT;
  const limit = WHOLE.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= CLIENT_PAGE_MAX_LIMIT)) {
    throw bad(
      'limit',
      `limit must be a whole number from 1 to ${CLIENT_PAGE_MAX_LIMIT}; follow nextCursor for more clients`,
    );
  }
  return limit;
}

/**
 * Validates the query of `GET /sites/{code}/clients`: every parameter once, known names only, each
 * value checked; E_VALIDATION names the parameter (`details.field`), E_CURSOR_INVALID a bad cursor.
 */
export function parseClientListQuery(query: URLSearchParams): ClientListQuery {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!(CLIENT_LIST_QUERY as readonly string[]).includes(name)) {
      throw bad(
        name.slice(0, 64),
        `unknown query parameter ${JSON.stringify(name.slice(0, 64))}; the clients list takes ${CLIENT_LIST_QUERY.join(', ')}`,
      );
    }
    if (values.has(name)) throw bad(name, `${name} is given more than once; give it once`);
    values.set(name, value);
  }
  const filters: ClientFilters = {};
  const status = values.get('status');
  if (status !== undefined) filters.status = oneOf('status', status, CLIENT_STATUSES);
  const activity = values.get('activity');
  if (activity !== undefined) filters.activity = oneOf('activity', activity, CLIENT_ACTIVITIES);
  const channel = values.get('channel');
  if (channel !== undefined) filters.channel = oneOf('channel', channel, CLIENT_CHANNELS);
  const port = values.get('port');
  if (port !== undefined) {
    const n = WHOLE.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) throw bad('port', 'port must be a port number from 1 to 65535');
    filters.port = n;
  }
  const before = values.get('lastSeenBefore');
  if (before !== undefined) filters.lastSeenBefore = instant('lastSeenBefore', before);
  const after = values.get('lastSeenAfter');
  if (after !== undefined) filters.lastSeenAfter = instant('lastSeenAfter', after);
  if (
    filters.lastSeenBefore !== undefined &&
    filters.lastSeenAfter !== undefined &&
    filters.lastSeenAfter >= filters.lastSeenBefore
  ) {
    throw bad('lastSeenAfter', 'lastSeenAfter must be earlier than lastSeenBefore, else no client can match');
  }
  const cursorText = values.get('cursor');
  return {
    limit: limitOf(values.get('limit')),
    cursor: cursorText === undefined ? undefined : decodeCursor(cursorText),
    filters,
    filterKey: filterKey({ ...filters }),
  };
}
