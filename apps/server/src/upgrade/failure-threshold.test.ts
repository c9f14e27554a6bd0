import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FAILURE_THRESHOLD, allAnswered, failureRate, passesThreshold } from './failure-threshold.js';

test('failures and rollbacks both count against the offered clients', () => {
  assert.equal(failureRate({ offered: 10, upgraded: 7, failed: 1, rolledBack: 2 }), 0.3);
  assert.equal(failureRate({ offered: 0, upgraded: 0, failed: 0, rolledBack: 0 }), 0);
});

test('the threshold is passed only when the rate is strictly above it', () => {
  assert.equal(DEFAULT_FAILURE_THRESHOLD, 0.2);
  assert.equal(passesThreshold({ offered: 10, upgraded: 8, failed: 1, rolledBack: 1 }, 0.2), false);
  assert.equal(passesThreshold({ offered: 10, upgraded: 7, failed: 0, rolledBack: 3 }, 0.2), true);
  assert.equal(passesThreshold({ offered: 1, upgraded: 0, failed: 0, rolledBack: 1 }, 0.5), true);
  assert.equal(passesThreshold({ offered: 0, upgraded: 0, failed: 0, rolledBack: 0 }, 0), false);
});

test('a wave is answered when every offered client upgraded, failed or rolled back', () => {
  assert.equal(allAnswered({ offered: 3, upgraded: 2, failed: 0, rolledBack: 0 }), false);
  assert.equal(allAnswered({ offered: 3, upgraded: 2, failed: 0, rolledBack: 1 }), true);
});
