import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { HashGate } from './hash-gate.js';

test('the gate runs at most its limit at once, queues a bounded line in order, and refuses the rest at once with E_PASSWORD_BUSY', async () => {
  const gate = new HashGate({ running: 2, waiting: 3 });
  const releases: (() => void)[] = [];
  const order: number[] = [];
  const work = (i: number) => () =>
    new Promise<number>((resolve) => {
      order.push(i);
      releases.push(() => resolve(i));
    });
  const admitted = [0, 1, 2, 3, 4].map((i) => gate.run(work(i)));
  await assert.rejects(
    gate.run(work(5)),
    (e) => isSiteportError(e, 'E_PASSWORD_BUSY') && e.details?.retryAfterSeconds === 2,
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(gate.load, { running: 2, waiting: 3 });
  assert.deepEqual(order, [0, 1]);
  for (let step = 0; step < 5; step++) {
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(admitted), [0, 1, 2, 3, 4]);
  assert.deepEqual(order, [0, 1, 2, 3, 4], 'the line is first come, first served');
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});

test('a failing hash frees its slot', async () => {
  const gate = new HashGate({ running: 1, waiting: 0 });
  await assert.rejects(
    gate.run(() => Promise.reject(new Error('scrypt failed'))),
    /scrypt failed/,
  );
  assert.equal(await gate.run(() => Promise.resolve('next')), 'next');
});
