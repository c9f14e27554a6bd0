import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeResults } from './merge-results.js';

test('the MP that holds a client reports for it: its acknowledgement beats the offline of the others', () => {
  const merged = mergeResults([
    { clientId: 'a', outcome: 'offline', via: null },
    { clientId: 'b', outcome: 'offline', via: null },
    { clientId: 'a', outcome: 'acknowledged', via: 'tcp' },
    { clientId: 'b', outcome: 'timeout', via: 'http-poll' },
  ]);
  assert.deepEqual(merged, [
    { clientId: 'a', outcome: 'acknowledged', via: 'tcp' },
    { clientId: 'b', outcome: 'timeout', via: 'http-poll' },
  ]);
});

test('a client offline everywhere stays offline, once', () => {
  assert.deepEqual(
    mergeResults([
      { clientId: 'c', outcome: 'offline', via: null },
      { clientId: 'c', outcome: 'offline', via: null },
    ]),
    [{ clientId: 'c', outcome: 'offline', via: null }],
  );
});
