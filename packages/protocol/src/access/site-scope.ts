import { parseSiteCode } from '../site-code.js';
import { SiteportError } from '../siteport-error.js';

/** Most site codes one account or token may be limited to. */
export const MAX_SCOPE_SITES = 100;

/**
 * The sites an account or token is limited to: a list of site codes, or `null` for every site.
 * Accepts `null`, an array of codes or (for the CLI) a comma-separated text; `all`/`*` mean every site.
 */
export function parseSiteScope(value: unknown, what = 'sites'): string[] | null {
  if (value === null || value === 'all' || value === '*') return null;
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_SCOPE_SITES) {
    throw new SiteportError(
      'E_VALIDATION',
      `${what} must be null (every site) or a list of 1 to ${MAX_SCOPE_SITES} site codes like ["PS1","S01"]`,
      { details: { field: what } },
    );
  }
  return normalizeSiteScope(items.map((item) => parseSiteCode(item, `a site code in ${what}`)));
}

/** A site scope as it is stored: null for every site, else its codes upper-case, each once, sorted. */
export function normalizeSiteScope(codes: readonly string[] | null): string[] | null {
  return codes === null ? null : [...new Set(codes.map((code) => code.toUpperCase()))].sort();
}

/** Whether a caller limited to `sites` (null: every site) may act on site `code`. */
export function siteInScope(sites: readonly string[] | null, code: string): boolean {
  return sites === null || sites.includes(code.toUpperCase());
}
