import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schedulePlan } from '../src/ports/rollout/rollout-schedule.js';
import type { Rollout, RolloutState } from '../src/ports/rollout/rollout-state.js';

const settings = {
  settings: {} as Rollout['old']['settings'],
  communicationMode: 'http' as Rollout['old']['communicationMode'],
};
const rollout = (
  id: string,
  state: RolloutState,
  startsAt: string | null,
  timeZone: string | null = null,
): Rollout => ({
  id,
  siteCode: 'PS1',
  state,
  old: settings,
  next: settings,
  oldVersion: 1,
  newVersion: null,
  rollbackVersion: null,
  preflight: false,
  deadline: '2026-12-31T00:00:00.000Z',
  createdAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'token:admin',
  committedAt: null,
  endedAt: null,
  outcome: null,
  startsAt,
  timeZone,
  respectWindows: false,
});

test('with an injected clock: what is due, whether it was missed while the server was down, and when the next start comes', () => {
  const boot = Date.parse('2026-12-04T10:00:00Z');
  const now = new Date('2026-12-04T10:00:30Z');
  const plan = schedulePlan(
    [
      rollout('missed', 'scheduled', '2026-12-04T09:00:00.000Z', 'Europe/Berlin'),
      rollout('on-time', 'scheduled', '2026-12-04T10:00:29.600Z'),
      rollout('exactly-now', 'scheduled', '2026-12-04T10:00:30.000Z'),
      rollout('later', 'scheduled', '2026-12-04T10:00:33.000Z'),
      rollout('much-later', 'scheduled', '2026-12-05T10:00:00.000Z'),
      rollout('by-hand', 'validated', null),
      rollout('already-started', 'overlapping', '2026-12-04T09:30:00.000Z'),
    ],
    now,
    boot,
  );
  assert.deepEqual(
    plan.due.map((d) => [d.rollout.id, d.details.missedWhileDown, d.details.lateSeconds]),
    [
      ['missed', true, 3630],
      ['on-time', false, 0],
      ['exactly-now', false, 0],
    ],
  );
  assert.equal(plan.due[0]!.details.timeZone, 'Europe/Berlin');
  assert.match(plan.due[0]!.details.note ?? '', /started at boot/);
  assert.equal(plan.due[1]!.details.note, undefined);
  assert.equal(plan.nextInMs, 3000);
  assert.deepEqual(schedulePlan([rollout('x', 'cancelled', '2026-12-04T09:00:00.000Z')], now, boot), {
    due: [],
    nextInMs: null,
  });
});
