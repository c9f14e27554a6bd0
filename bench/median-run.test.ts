import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianRun } from './median-run.js';

test('each listed field is the median of the runs, the others come from the first run', () => {
  const runs = [
    { mode: 'tcp', p99Ms: 300, cpu: 1, received: 10 },
    { mode: 'x', p99Ms: 100, cpu: 3, received: 11 },
    { mode: 'y', p99Ms: 200, cpu: 2, received: 12 },
  ];
  assert.deepEqual(medianRun(runs, ['p99Ms', 'cpu']), { mode: 'tcp', p99Ms: 200, cpu: 2, received: 10 });
  // An even count: the mean of the middle two.
  assert.equal(medianRun(runs.slice(0, 2), ['p99Ms']).p99Ms, 200);
  assert.throws(() => medianRun([], ['p99Ms']), /no runs/);
});
