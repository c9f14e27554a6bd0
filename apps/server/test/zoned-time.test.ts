import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SiteportError } from '@siteport/protocol';
import { formatInZone, instantsOfWallTime, resolveStart } from '../src/ports/rollout/zoned-time.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const at = (spec: Parameters<typeof resolveStart>[0], now = NOW) => resolveStart(spec, now).startsAt.toISOString();
const code = (spec: Parameters<typeof resolveStart>[0], now = NOW): string => {
  try {
    resolveStart(spec, now);
  } catch (error) {
    assert.ok(error instanceof SiteportError, String(error));
    return error.code;
  }
  return 'accepted';
};

test('a start with an offset is that instant; the zone, when given, is only for display', () => {
  assert.equal(at({ at: '2026-03-02T02:00:00+01:00' }), '2026-03-02T01:00:00.000Z');
  assert.equal(at({ at: '2026-03-02T02:00Z' }), '2026-03-02T02:00:00.000Z');
  assert.equal(at({ at: '2026-03-02T02:00:00.250-05:30' }), '2026-03-02T07:30:00.250Z');
  const r = resolveStart({ at: '2026-03-02T02:00:00+01:00', timeZone: 'Asia/Tokyo' }, NOW);
  assert.equal(r.timeZone, 'Asia/Tokyo');
  assert.equal(formatInZone(r.startsAt, 'Asia/Tokyo'), '2026-03-02 10:00:00 +09:00');
});

test('a local time is read in the given zone, standard and summer time alike, half-hour zones too', () => {
  assert.equal(at({ at: '2026-03-02T02:00', timeZone: 'Europe/Berlin' }), '2026-03-02T01:00:00.000Z');
  assert.equal(at({ at: '2026-07-02T02:00', timeZone: 'Europe/Berlin' }), '2026-07-02T00:00:00.000Z');
  assert.equal(at({ at: '2026-03-02 09:15:30', timeZone: 'Asia/Kolkata' }), '2026-03-02T03:45:30.000Z');
  assert.equal(at({ at: '2026-03-02T00:00', timeZone: 'UTC' }), '2026-03-02T00:00:00.000Z');
  // Southern hemisphere: Sydney is on summer time (+11) in March, standard (+10) in July.
  assert.equal(at({ at: '2026-03-02T12:00', timeZone: 'Australia/Sydney' }), '2026-03-02T01:00:00.000Z');
  assert.equal(at({ at: '2026-07-02T12:00', timeZone: 'Australia/Sydney' }), '2026-07-02T02:00:00.000Z');
});

test('a local time in the gap when clocks go forward is refused as nonexistent, in both hemispheres', () => {
  assert.equal(code({ at: '2026-03-29T02:30', timeZone: 'Europe/Berlin' }), 'E_START_TIME_NONEXISTENT');
  assert.equal(code({ at: '2026-03-08T02:00', timeZone: 'America/New_York' }), 'E_START_TIME_NONEXISTENT');
  assert.equal(code({ at: '2026-10-04T02:30', timeZone: 'Australia/Sydney' }), 'E_START_TIME_NONEXISTENT');
  // Just outside the gap is fine.
  assert.equal(at({ at: '2026-03-29T03:00', timeZone: 'Europe/Berlin' }), '2026-03-29T01:00:00.000Z');
  assert.equal(at({ at: '2026-03-29T01:59', timeZone: 'Europe/Berlin' }), '2026-03-29T00:59:00.000Z');
});

test('a local time repeated when clocks go back is refused as ambiguous, naming both instants', () => {
  const now = new Date('2026-10-01T00:00:00Z');
  assert.equal(code({ at: '2026-10-25T02:30', timeZone: 'Europe/Berlin' }, now), 'E_START_TIME_AMBIGUOUS');
  assert.equal(code({ at: '2026-11-01T01:30', timeZone: 'America/New_York' }, now), 'E_START_TIME_AMBIGUOUS');
  assert.deepEqual(
    instantsOfWallTime('Europe/Berlin', Date.UTC(2026, 9, 25, 2, 30)).map((i) => new Date(i).toISOString()),
    ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
  );
  // The same moment with an offset is accepted: the offset picks one.
  assert.equal(at({ at: '2026-10-25T02:30+01:00', timeZone: 'Europe/Berlin' }, now), '2026-10-25T01:30:00.000Z');
  assert.equal(formatInZone(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin'), '2026-10-25 02:30:00 +02:00');
  assert.equal(formatInZone(new Date('2026-10-25T01:30:00Z'), 'Europe/Berlin'), '2026-10-25 02:30:00 +01:00');
});

test('the past, a year ahead, bad text, impossible dates and unknown or missing zones are refused with their codes', () => {
  assert.equal(code({ at: '2026-03-01T12:00:00Z' }), 'E_START_IN_PAST');
  assert.equal(code({ at: '2026-03-01T12:59', timeZone: 'Europe/Berlin' }), 'E_START_IN_PAST');
  assert.equal(code({ at: '2027-03-03T00:00Z' }), 'E_START_TOO_FAR');
  assert.equal(code({ at: '2026-03-02T02:00' }), 'E_TIME_ZONE_REQUIRED');
  assert.equal(code({ at: '2026-03-02T02:00', timeZone: 'Mars/Olympus' }), 'E_TIME_ZONE');
  assert.equal(code({ at: '2026-03-02T02:00', timeZone: '../../etc/passwd' }), 'E_TIME_ZONE');
  for (const bad of [
    'tomorrow',
    '2026-02-30T02:00Z',
    '2026-03-02T24:00Z',
    '2026-03-02T02:60Z',
    '2026-03-02',
    '1772416800',
  ])
    assert.equal(code({ at: bad, timeZone: 'UTC' }), 'E_START_TIME', bad);
});
