import { SiteportError } from '@siteport/protocol';

/** A start time as the administrator gives it: an instant with an offset, or a wall time in a zone. */
export interface StartSpec {
  /** ISO-8601: `2026-12-05T02:00:00+01:00`, `…Z`, or a local `2026-12-05T02:00` with `timeZone`. */
  at: string;
  /** IANA name (`Europe/Berlin`); required for a local time, shown beside UTC either way. */
  timeZone?: string;
}

/** A resolved start: the instant and the zone to show it in. */
export interface ResolvedStart {
  startsAt: Date;
  timeZone: string | null;
}

const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How far ahead a start may be scheduled. */
const MAX_SCHEDULE_AHEAD_DAYS = 366;

/**
 * Formatters by zone name in lower case: the runtime reads zone names in any letter case, so keyed
 * as given, spellings of one zone (`utc`, `uTc`, …) from a request could fill the cache and leave
 * every zone in use to build a formatter per conversion (about 20 times the cost). Lower-cased, it
 * holds at most the runtime's zone names, which are fewer than its bound.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1024;

/** Whether `name` is an IANA time zone this runtime knows (`UTC` included). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  const key = zone.toLowerCase();
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formatters.size < MAX_FORMATTERS) formatters.set(key, f);
  }
  return f;
}

/** The wall time in `zone` at `instant`, as milliseconds of a UTC date with the same fields. */
function wallMs(zone: string, instant: number): number {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
}

/** The zone's offset from UTC at `instant`, in minutes (east positive). */
function offsetMinutes(zone: string, instant: number): number {
  const seconds = Math.floor(instant / 1000) * 1000;
  return Math.round((wallMs(zone, seconds) - seconds) / 60_000);
}

/**
 * The instants at which the wall clock of `zone` shows `wall` (fields as a UTC date): none in a
 * gap when clocks go forward, two in the hour repeated when they go back, else one.
 */
export function instantsOfWallTime(zone: string, wall: number): number[] {
  const offsets = new Set([
    offsetMinutes(zone, wall - DAY_MS),
    offsetMinutes(zone, wall),
    offsetMinutes(zone, wall + DAY_MS),
  ]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wall - offset * 60_000;
    if (wallMs(zone, instant) === wall) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The one instant a recurring wall time stands for: in a gap when clocks go forward, the instant it
 * would have been under the offset before the change (02:30 → 03:30 summer time); in the hour
 * repeated when they go back, the first of the two.
 */
export function recurringInstant(zone: string, wall: number): number {
  const instants = instantsOfWallTime(zone, wall);
  return instants[0] ?? wall - offsetMinutes(zone, wall - DAY_MS) * 60_000;
}

/** `2026-12-05 02:00:00 +01:00` — the wall time of `instant` in `zone` with its offset. */
export function formatInZone(instant: Date, zone: string): string {
  const wall = new Date(wallMs(zone, instant.getTime())).toISOString().slice(0, 19).replace('T', ' ');
  const offset = offsetMinutes(zone, instant.getTime());
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function validFields(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return (
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}

/**
 * Resolves a start time against `now`: refuses bad text, an unknown zone, a local time without a
 * zone, a local time that does not exist or exists twice around a clock change, the past and a
 * start more than a year ahead — each with a stable code and what to do.
 */
export function resolveStart(spec: StartSpec, now: Date): ResolvedStart {
  const zone = spec.timeZone;
  if (zone !== undefined && !isTimeZone(zone)) {
    throw new SiteportError(
      'E_TIME_ZONE',
      `unknown time zone "${zone.slice(0, 64)}": give an IANA name such as Europe/Berlin or UTC`,
    );
  }
  let startsAt: number;
  const withOffset = WITH_OFFSET.exec(spec.at);
  const local = withOffset === null ? LOCAL.exec(spec.at) : null;
  const fields = (withOffset ?? local)?.slice(1, 7).map((v) => Number(v ?? '0'));
  if (fields === undefined || !validFields(fields[0]!, fields[1]!, fields[2]!, fields[3]!, fields[4]!, fields[5]!)) {
    throw new SiteportError(
      'E_START_TIME',
      'the start time must be ISO-8601 with an offset (2026-12-05T02:00:00+01:00 or …Z), or a local 2026-12-05T02:00 with a time zone',
    );
  }
  const [y, mo, d, h, mi, s] = fields as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (withOffset !== null) {
    const designator = withOffset[8]!;
    const fraction = withOffset[7] === undefined ? 0 : Math.round(Number(withOffset[7]) * 1000);
    const offset =
      designator === 'Z'
        ? 0
        : (designator.startsWith('-') ? -1 : 1) *
          (Number(designator.slice(1, 3)) * 60 + Number(designator.slice(4, 6)));
    startsAt = wall + fraction - offset * 60_000;
  } else {
    if (zone === undefined) {
      throw new SiteportError(
        'E_TIME_ZONE_REQUIRED',
        `"${spec.at}" has no offset: give the time zone it is meant in (--time-zone Europe/Berlin), or an offset (…+01:00)`,
      );
    }
    const instants = instantsOfWallTime(zone, wall);
    if (instants.length === 0) {
      throw new SiteportError(
        'E_START_TIME_NONEXISTENT',
        `${spec.at} does not exist in ${zone}: the clocks skip it when they go forward; pick a time outside the gap`,
      );
    }
    if (instants.length > 1) {
      const options = instants.map((i) => new Date(i).toISOString()).join(' or ');
      throw new SiteportError(
        'E_START_TIME_AMBIGUOUS',
        `${spec.at} happens twice in ${zone} when the clocks go back (${options}); give it with an offset instead`,
        { details: { candidates: instants.map((i) => new Date(i).toISOString()) } },
      );
    }
    startsAt = instants[0]!;
  }
  if (startsAt <= now.getTime()) {
    throw new SiteportError(
      'E_START_IN_PAST',
      `the start ${new Date(startsAt).toISOString()} is not in the future (now ${now.toISOString()})`,
    );
  }
  if (startsAt - now.getTime() > MAX_SCHEDULE_AHEAD_DAYS * DAY_MS) {
    throw new SiteportError(
      'E_START_TOO_FAR',
      `a rollout can be scheduled at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead`,
    );
  }
  return { startsAt: new Date(startsAt), timeZone: zone ?? null };
}
