import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spreadEarlier, spreadLater } from './spread.js';

/** A `random` that always returns `value`. */
const fixed = (value: number) => (): number => value;

describe('spreadEarlier', () => {
  it('shortens a period by up to the fraction, never lengthens it', () => {
    assert.equal(spreadEarlier(60_000, 0.1, fixed(0)), 60_000);
    assert.equal(spreadEarlier(60_000, 0.1, fixed(0.5)), 57_000);
    assert.equal(spreadEarlier(60_000, 0.1, fixed(0.999_999)), 54_000);
    const periods = Array.from({ length: 1000 }, () => spreadEarlier(50, 0.1));
    assert.ok(periods.every((p) => p >= 45 && p <= 50));
    assert.ok(new Set(periods).size > 1, 'agents do not all draw the same period');
  });
});

describe('spreadLater', () => {
  it('lengthens a wait by up to the fraction, never shortens it', () => {
    assert.equal(spreadLater(5000, 0.2, fixed(0)), 5000);
    assert.equal(spreadLater(5000, 0.2, fixed(0.5)), 5500);
    assert.equal(spreadLater(5000, 0.2, fixed(0.999_999)), 6000);
  });
});
