import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RatioSummary, meets } from './ratio-summary.js';

test('a ratio meets an at-least or at-most target; a ratio not reached meets none', () => {
  assert.equal(meets({ path: 'p', baseline: 'b', ratio: 0.95, target: { atLeast: 0.9 } }), true);
  assert.equal(meets({ path: 'p', baseline: 'b', ratio: 0.85, target: { atLeast: 0.9 } }), false);
  assert.equal(meets({ path: 'p', baseline: 'b', ratio: 1.5, target: { atMost: 1.5 } }), true);
  assert.equal(meets({ path: 'p', baseline: 'b', ratio: Number.NaN, target: { atMost: 1 } }), false);
});

test('the summary lists every row with its target, marks a miss and names it', () => {
  const summary = new RatioSummary();
  assert.deepEqual(summary.lines(), []);
  summary.add({
    path: 'policy',
    baseline: 'node:http',
    ratio: 0.97,
    target: { atLeast: 0.9 },
    note: '9700 vs 10000 req/s',
  });
  summary.add({ path: 'port move', baseline: 'one policy interval', ratio: Number.NaN, target: { atMost: 1 } });
  const text = summary.lines().join('\n');
  assert.match(text, /\| policy \| node:http \| 0\.97 \| ≥ 0\.9 × \| yes \| 9700 vs 10000 req\/s \|/);
  assert.match(text, /\| port move \| one policy interval \| not reached \| ≤ 1 × \| \*\*no\*\* \|/);
  assert.deepEqual(
    summary.missed.map((row) => row.path),
    ['port move'],
  );
  assert.match(text, /1 of 2 ratios missed their targets: port move\./);
});
