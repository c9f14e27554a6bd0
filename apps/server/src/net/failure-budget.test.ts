import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureBudget } from './failure-budget.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let at = 1_000_000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

function fail(budget: FailureBudget, key: string): ReturnType<FailureBudget['settle']> {
  assert.equal(budget.tryReserve(key), 0, `${key} may try`);
  return budget.settle(key, 'failure');
}

test('a key is locked at its last allowed failure, refused while locked, and free again when the lock ends', () => {
  const c = clock();
  const budget = new FailureBudget({ failures: 3, lockoutMs: 60_000, maxKeys: 100, inFlight: 'always' }, c.now);
  assert.equal(fail(budget, 'admin'), undefined);
  assert.equal(fail(budget, 'admin'), undefined);
  const lock = fail(budget, 'admin');
  assert.deepEqual(lock, { key: 'admin', failures: 3, until: new Date(c.now() + 60_000), retryAfterSeconds: 60 });
  assert.equal(budget.tryReserve('admin'), 60_000);
  c.advance(59_000);
  assert.equal(budget.tryReserve('admin'), 1000);
  c.advance(1000);
  assert.equal(budget.tryReserve('admin'), 0, 'the lock has ended with a fresh budget');
  budget.settle('admin', 'none');
  assert.equal(budget.size, 0, 'an ended lock leaves nothing behind');
});

test('attempts in flight count against the budget, so parallel attempts cannot overshoot it', () => {
  const budget = new FailureBudget({ failures: 2, lockoutMs: 60_000, maxKeys: 100, inFlight: 'always' });
  assert.equal(budget.tryReserve('admin'), 0);
  assert.equal(budget.tryReserve('admin'), 0);
  assert.ok(budget.tryReserve('admin') > 0, 'a third parallel attempt waits');
  budget.settle('admin', 'none');
  assert.equal(budget.tryReserve('admin'), 0, 'a settled attempt frees its place');
});

test('with in-flight attempts counted only after a failure, a clean key is never refused for parallel attempts', () => {
  const budget = new FailureBudget({ failures: 2, lockoutMs: 60_000, maxKeys: 100, inFlight: 'after-failure' });
  for (let i = 0; i < 5; i++) assert.equal(budget.tryReserve('script'), 0);
  for (let i = 0; i < 5; i++) budget.settle('script', 'none');
  assert.equal(fail(budget, 'script'), undefined);
  assert.equal(budget.tryReserve('script'), 0);
  assert.ok(budget.tryReserve('script') > 0, 'after a failure, attempts in flight count');
});

test('a success forgets the failures; failures are forgotten on their own after the lockout time', () => {
  const c = clock();
  const budget = new FailureBudget({ failures: 3, lockoutMs: 60_000, maxKeys: 100, inFlight: 'always' }, c.now);
  fail(budget, 'admin');
  fail(budget, 'admin');
  assert.equal(budget.tryReserve('admin'), 0);
  budget.settle('admin', 'success');
  fail(budget, 'admin');
  assert.equal(fail(budget, 'admin'), undefined, 'two failures after the success: not locked');
  c.advance(60_000);
  fail(budget, 'admin');
  assert.equal(fail(budget, 'admin'), undefined, 'the old failures expired');
});

test('memory stays bounded when many keys fail, and a locked key outlives the unlocked ones', () => {
  const flood = new FailureBudget({ failures: 2, lockoutMs: 60_000, maxKeys: 50, inFlight: 'always' });
  assert.equal(fail(flood, 'admin'), undefined);
  assert.ok(fail(flood, 'admin') !== undefined);
  for (let i = 0; i < 1000; i++) fail(flood, `name-${i}`);
  assert.equal(flood.size, 50);
  assert.ok(flood.tryReserve('admin') > 0, 'flooding other names did not end the lock');
});
