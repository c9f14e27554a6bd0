import { WEEK_DAYS, type WeekDay } from '@siteport/protocol';
import { recurringInstant } from '../ports/index.js';

/** A recurring weekly window: on these days at local `start` in `timeZone`, for `durationMinutes`. */
export interface WeeklyWindow {
  id: string;
  days: readonly WeekDay[];
  start: string;
  durationMinutes: number;
  timeZone: string;
}

/** One opening of a window: [opensAt, closesAt) in epoch milliseconds. */
export interface Opening {
  opensAt: number;
  closesAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The openings of a window that overlap [from, to], oldest first. Each opening starts at the local
 * start time of one of its days in its zone (DST gaps and repeated hours as `recurringInstant`
 * resolves them) and lasts `durationMinutes` of real time.
 */
export function openings(window: WeeklyWindow, from: number, to: number): Opening[] {
  const [hours, minutes] = window.start.split(':').map(Number) as [number, number];
  const found: Opening[] = [];
  // Walk the calendar dates around the range: a window of a date up to a day before `from` may still be open.
  const first = Math.floor(from / DAY_MS) - 2;
  const last = Math.floor(to / DAY_MS) + 2;
  for (let day = first; day <= last; day += 1) {
    const date = new Date(day * DAY_MS);
    if (!window.days.includes(WEEK_DAYS[date.getUTCDay()]!)) continue;
    const wall = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hours, minutes);
    const opensAt = recurringInstant(window.timeZone, wall);
    const closesAt = opensAt + window.durationMinutes * 60_000;
    if (closesAt > from && opensAt <= to) found.push({ opensAt, closesAt });
  }
  return found.sort((a, b) => a.opensAt - b.opensAt);
}

/** The opening that is open at `now`, else the next one within `horizonMs`; undefined when none. */
export function nextOpening(window: WeeklyWindow, now: number, horizonMs = 8 * DAY_MS): Opening | undefined {
  return openings(window, now, now + horizonMs).find((o) => o.closesAt > now);
}
