import { createHash } from 'node:crypto';
import { SiteportError } from '@siteport/protocol';

/** The longest cursor accepted; the server's own are about 120 characters. */
const MAX_CURSOR_CHARS = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Client ids are UUIDs; the pattern is looser so a cursor never has to change with the id scheme. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Where the next page of one listing starts: after this client id, under these filters. */
export interface CursorPosition {
  siteCode: string;
  /** {@link filterKey} of the listing's filters. */
  filters: string;
  afterId: string;
}

function invalid(reason: string): SiteportError {
  return new SiteportError(
    'E_CURSOR_INVALID',
    `cursor ${reason}; pass the nextCursor of the previous page unchanged, or start again without a cursor`,
    {
      details: { field: 'cursor' },
    },
  );
}

/** A short digest of the normalized filters a cursor belongs to (the same listing, page after page). */
export function filterKey(filters: Readonly<Record<string, string | number | undefined>>): string {
  const parts = Object.keys(filters)
    .sort()
    .filter((k) => filters[k] !== undefined)
    .map((k) => `${k}=${String(filters[k])}`);
  return createHash('sha256').update(parts.join('&')).digest('base64url').slice(0, 16);
}

/**
 * The opaque `nextCursor`: base64url JSON of the position. It grants nothing: it only says where a
 * listing the caller may read goes on, so it needs no signature, only validation.
 */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, s: position.siteCode, f: position.filters, a: position.afterId })).toString(
    'base64url',
  );
}

/** Decodes a cursor from a query parameter; anything it cannot vouch for is E_CURSOR_INVALID (400), never a 500. */
export function decodeCursor(text: string): CursorPosition {
  if (text.length === 0 || text.length > MAX_CURSOR_CHARS || !BASE64URL.test(text))
    throw invalid('is not a cursor this server hands out');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is garbled');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('is garbled');
  const { v, s, f, a, ...rest } = value as Record<string, unknown>;
  if (v !== 1 || Object.keys(rest).length > 0) throw invalid('is of an unknown version');
  if (
    typeof s !== 'string' ||
    !/^[A-Za-z0-9]{1,8}$/.test(s) ||
    typeof f !== 'string' ||
    typeof a !== 'string' ||
    !CLIENT_ID.test(a) ||
    !/^[A-Za-z0-9_-]{16}$/.test(f)
  ) {
    throw invalid('is garbled');
  }
  return { siteCode: s, filters: f, afterId: a };
}

/** Checks that a decoded cursor belongs to this site and these filters. */
export function checkCursor(position: CursorPosition, siteCode: string, filters: string): void {
  if (position.siteCode !== siteCode) throw invalid(`belongs to another site's listing, not to site ${siteCode}'s`);
  if (position.filters !== filters)
    throw invalid('belongs to a listing with other filters; keep the filters of the first page');
}
