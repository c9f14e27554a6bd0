import { SiteportError } from './siteport-error.js';

/** Parses a site code: three letters or digits, stored upper-case (e.g. `PS1`). */
export function parseSiteCode(value: unknown, what = 'site code'): string {
  if (typeof value === 'string' && /^[A-Za-z0-9]{3}$/.test(value)) return value.toUpperCase();
  throw new SiteportError('E_SITE_CODE', `${what} must be exactly three letters or digits (e.g. PS1), got ${JSON.stringify(value)}`);
}
