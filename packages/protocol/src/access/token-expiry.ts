import { SiteportError } from '../siteport-error.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Longest relative expiry the CLI accepts (`--expires 3650d`). */
const MAX_RELATIVE_MS = 3650 * UNIT_MS.d;

/**
 * Parses a token expiry as the CLI takes it: `never`, a duration from now (`90m`, `12h`, `30d`) or an
 * ISO 8601 date-time with a zone (`2026-01-31T18:00:00Z`). Returns the ISO instant, or null for never.
 */
export function parseTokenExpiry(text: string, now: Date): string | null {
  const value = text.trim();
  if (value === 'never') return null;
  const relative = /^(\d{1,7})([mhd])$/.exec(value);
  if (relative !== null) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    if (ms <= 0 || ms > MAX_RELATIVE_MS)
      throw new SiteportError('E_VALIDATION', `--expires ${value} must be more than 0 and at most 3650d`);
    return new Date(now.getTime() + ms).toISOString();
  }
  return parseExpiresAt(value, now);
}

/** Checks an absolute expiry instant: ISO 8601 with a time zone, a time that exists, in the future. */
export function parseExpiresAt(value: string, now: Date): string {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ? Date.parse(value)
    : NaN;
  if (Number.isNaN(ms)) {
    throw new SiteportError(
      'E_VALIDATION',
      `expiry must be never, a duration like 30d, 12h or 90m, or a date-time like 2026-01-31T18:00:00Z; got ${JSON.stringify(value)}`,
      {
        details: { field: 'expiresAt' },
      },
    );
  }
  if (ms <= now.getTime())
    throw new SiteportError('E_VALIDATION', `expiry ${String(value)} lies in the past; give a later time`, {
      details: { field: 'expiresAt' },
    });
  return new Date(ms).toISOString();
}
