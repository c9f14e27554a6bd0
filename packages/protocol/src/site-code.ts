import { Type } from '@sinclair/typebox';
import { SiteportError } from './siteport-error.js';

/** Parses a site code: three letters or digits, stored upper-case (e.g. `PS1`). */
export function parseSiteCode(value: unknown, what = 'site code'): string {
  if (typeof value === 'string' && /^[A-Za-z0-9]{3}$/.test(value)) return value.toUpperCase();
  throw new SiteportError(
    'E_SITE_CODE',
    `${what} must be exactly three letters or digits (e.g. PS1), got ${JSON.stringify(value)}`,
  );
}

/** A site code in a request (body field or query parameter): three letters or digits, any case. */
export const SiteCodeField = Type.String({
  pattern: '^[A-Za-z0-9]{3}$',
  description: 'a site code of exactly three letters or digits (e.g. PS1)',
});
