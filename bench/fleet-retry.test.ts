import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOT_TRIED, connectWithRetries } from './fleet-retry.js';

const policy = (deadline: number, waits: number[]) => ({
  attempts: 3,
  deadline,
  baseMs: 1000,
  maxMs: 8000,
  now: () => 0,
  sleep: (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  },
});

test('a failed connect is retried after a fully jittered, doubling backoff, at most the given attempts', async () => {
  const waits: number[] = [];
  const outcomes = ['no ready within the connect timeout', 'server error E_NOTIFY_AUTH', null];
  assert.equal(await connectWithRetries(() => Promise.resolve(outcomes.shift() ?? null), policy(10, waits)), null);
  assert.equal(waits.length, 2);
  // Full jitter, as the agent: anywhere from 0 up to the doubling ceiling.
  assert.ok(waits[0]! >= 0 && waits[0]! <= 1000 && waits[1]! >= 0 && waits[1]! <= 2000, String(waits));

  let tries = 0;
  const refused = () => ((tries += 1), Promise.resolve('connect ECONNREFUSED'));
  assert.equal(await connectWithRetries(refused, policy(10, [])), 'connect ECONNREFUSED');
  assert.equal(tries, 3);
});

test('past the deadline a client is not tried, and a retry does not start', async () => {
  let tries = 0;
  const fails = () => ((tries += 1), Promise.resolve('timeout'));
  assert.equal(await connectWithRetries(fails, policy(-1, [])), NOT_TRIED);
  assert.equal(tries, 0);
  let clock = 0;
  const later = { ...policy(5, []), now: () => clock, sleep: () => ((clock = 10), Promise.resolve()) };
  assert.equal(await connectWithRetries(fails, later), 'timeout');
  assert.equal(tries, 1);
});
