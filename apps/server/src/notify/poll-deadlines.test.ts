import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PollDeadlines } from './poll-deadlines.js';

describe('PollDeadlines', () => {
  it('answers every poll whose wait ran out on one tick, never before its wait, and skips cancelled ones', () => {
    let now = 10_000;
    const deadlines = new PollDeadlines(1000, () => now);
    const expired: string[] = [];
    const poll = (name: string) => ({ expire: () => void expired.push(name) });
    deadlines.add(50_000, poll('a'));
    now += 400;
    deadlines.add(49_700, poll('b'));
    const c = poll('c');
    const slot = deadlines.add(50_000, c);
    deadlines.add(55_000, poll('d'));
    assert.equal(deadlines.size, 4);
    deadlines.cancel(slot, c);
    deadlines.cancel(slot, c);
    assert.equal(deadlines.size, 3);
    now = 59_999;
    deadlines.tick();
    assert.deepEqual(expired, [], 'nothing before its wait');
    now = 60_400;
    deadlines.tick();
    assert.deepEqual(expired, ['a']);
    now = 61_000;
    deadlines.tick();
    assert.deepEqual(expired, ['a', 'b'], 'b (due at 60.1 s) on the next tick, less than a second late');
    now = 66_000;
    deadlines.tick();
    assert.deepEqual(expired.sort(), ['a', 'b', 'd']);
    assert.equal(deadlines.size, 0);
  });

  it('cancelling a poll that already ran out changes nothing', () => {
    let now = 0;
    const deadlines = new PollDeadlines(1000, () => now);
    let calls = 0;
    const a = { expire: () => void (calls += 1) };
    const slot = deadlines.add(1000, a);
    deadlines.add(5000, { expire: () => undefined });
    now = 1000;
    deadlines.tick();
    deadlines.cancel(slot, a);
    assert.equal(calls, 1);
    assert.equal(deadlines.size, 1);
  });
});
