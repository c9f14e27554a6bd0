import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PUSH_DEFAULTS } from '@siteport/protocol';
import { nextAttempt } from './retry-schedule.js';

test('by default a failed push is retried hourly and given up after seven days from queueing', () => {
  const schedule = {
    retryIntervalSeconds: PUSH_DEFAULTS.retryIntervalSeconds,
    retryForSeconds: PUSH_DEFAULTS.retryForSeconds,
  };
  const queued = new Date('2026-01-01T00:00:00Z');
  assert.equal(
    nextAttempt(queued, new Date('2026-01-01T00:00:05Z'), schedule).nextAttemptAt?.toISOString(),
    '2026-01-01T01:00:05.000Z',
  );
  assert.equal(
    nextAttempt(queued, new Date('2026-01-07T23:00:00Z'), schedule).nextAttemptAt?.toISOString(),
    '2026-01-08T00:00:00.000Z',
  );
  assert.equal(nextAttempt(queued, new Date('2026-01-07T23:00:01Z'), schedule).nextAttemptAt, null);
  assert.equal(nextAttempt(queued, queued, { retryIntervalSeconds: 1, retryForSeconds: 0 }).nextAttemptAt, null);
});
