import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotifyClientResult } from '@siteport/protocol';
import { RESULT_PART_SIZE, type ResultPart, ResultStream } from './result-stream.js';

const acked = (clientId: string): NotifyClientResult => ({ clientId, outcome: 'acknowledged', via: 'tcp' });
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('acknowledgements go out in parts as they come; the last part holds only the clients that did not answer', async () => {
  const parts: ResultPart[] = [];
  const stream = new ResultStream((part) => parts.push(part), 20);
  const all = [acked('a'), acked('b'), { clientId: 'c', outcome: 'timeout', via: 'http-poll' } as NotifyClientResult];
  stream.add(all[0]!);
  stream.add(all[0]!);
  await pause(60);
  assert.deepEqual(parts, [{ results: [all[0]], more: true }], 'one part per interval, each result once');
  stream.add(all[1]!);
  stream.end(all);
  assert.deepEqual(parts.slice(1), [{ results: [all[1], all[2]], more: false }]);
  stream.add(acked('late'));
  await pause(60);
  assert.equal(parts.length, 2, 'nothing after the end');
});

test('a full part goes out at once; a long last part is split and only its end lacks "more"', () => {
  const parts: ResultPart[] = [];
  const stream = new ResultStream((part) => parts.push(part), 60_000);
  const all = Array.from({ length: RESULT_PART_SIZE * 2 + 10 }, (_, i) => acked(`client-${i}`));
  for (const result of all.slice(0, RESULT_PART_SIZE)) stream.add(result);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]?.results.length, RESULT_PART_SIZE);
  stream.end(all);
  assert.deepEqual(
    parts.map((p) => [p.results.length, p.more]),
    [
      [RESULT_PART_SIZE, true],
      [RESULT_PART_SIZE, true],
      [10, false],
    ],
  );
  assert.equal(new Set(parts.flatMap((p) => p.results.map((r) => r.clientId))).size, all.length);
});

test('an answer with no results is still one last part', () => {
  const parts: ResultPart[] = [];
  new ResultStream((part) => parts.push(part), 20).end([]);
  assert.deepEqual(parts, [{ results: [], more: false }]);
});
