import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameBudget } from './frame-budget.js';

test('a frame budget allows a burst, then the sustained rate, and refuses a flood', () => {
  const budget = new FrameBudget(10, 50, 0);
  assert.equal(budget.spend(50, 0), true, 'the whole burst at once');
  assert.equal(budget.spend(1, 0), false, 'one more at the same instant');
  const refilled = new FrameBudget(10, 50, 0);
  refilled.spend(50, 0);
  assert.equal(refilled.spend(10, 1000), true, 'ten a second after a spent burst');
  assert.equal(refilled.spend(1, 1000), false);
  const idle = new FrameBudget(10, 50, 0);
  assert.equal(idle.spend(51, 3_600_000), false, 'an hour idle refills the burst, not more');
});
