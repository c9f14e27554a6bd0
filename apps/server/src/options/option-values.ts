import { SiteportError } from '@siteport/protocol';

/* Validators of single option values (a flag value may come as text); each throws E_OPTION naming the flag. */

export function optionPort(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number from 0 (pick a free port) to 65535, got ${JSON.stringify(value)}`,
    );
  }
  return port;
}

export function seconds(name: string, value: number | string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > 86400) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number of seconds from ${min} to 86400, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function days(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 36_500) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number of days from 0 (keep forever) to 36500, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function perMinute(name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number per minute from 0 (no limit) to 1000000, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function pendingCap(value: number | string | undefined): number {
  if (value === undefined) return 10_000;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 10_000_000) {
    throw new SiteportError(
      'E_OPTION',
      `--max-pending-clients must be a whole number from 0 (no cap) to 10000000, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function millis(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 10 || value > 3_600_000) {
    throw new SiteportError(
      'E_OPTION',
      `${name} must be a whole number of milliseconds from 10 to 3600000, got ${String(value)}`,
    );
  }
  return value;
}

/** A whole-number option from `min` to `max` (a flag value may come as text). */
export function count(
  name: string,
  value: number | string | undefined,
  fallback: number,
  min: number,
  max = 1_000_000,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SiteportError(
      'E_OPTION',
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
