import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff-delay.js';

const POLICY = { baseMs: 1000, capMs: 60_000 };

/** A `random` that always returns `value`. */
const fixed = (value: number) => (): number => value;

describe('backoffDelay', () => {
  it('draws from 0 to a ceiling that starts at the base and doubles per attempt', () => {
    const ceilings = [0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, POLICY, fixed(1)));
    assert.deepEqual(ceilings, [1000, 2000, 4000, 8000, 16_000]);
    assert.equal(backoffDelay(3, POLICY, fixed(0)), 0, 'full jitter: the delay can be none at all');
    assert.equal(backoffDelay(3, POLICY, fixed(0.5)), 4000);
  });

  it('never grows past the cap, however many attempts failed', () => {
    assert.equal(backoffDelay(6, POLICY, fixed(1)), 60_000);
    assert.equal(backoffDelay(10_000, POLICY, fixed(0.999)), 59_940);
    assert.equal(backoffDelay(-1, POLICY, fixed(1)), 1000, 'a negative attempt counts as the first');
  });

  it('spreads a fleet over the whole range with Math.random', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(2, POLICY));
    assert.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d <= 4000));
    const quarters = [0, 1, 2, 3].map((q) => delays.filter((d) => d >= q * 1000 && d < (q + 1) * 1000).length);
    assert.ok(
      quarters.every((n) => n > 350),
      `each quarter of the range gets about a quarter: ${quarters.join(', ')}`,
    );
  });
});
