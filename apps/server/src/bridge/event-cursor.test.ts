import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventCursor } from './event-cursor.js';

const rows = (...seqs: number[]): { seq: number }[] => seqs.map((seq) => ({ seq }));
const seqs = (list: { seq: number }[]): number[] => list.map((r) => r.seq);

test('delivers new events in seq order and advances the watermark over them', () => {
  const cursor = new EventCursor(10, 5000);
  assert.deepEqual(seqs(cursor.accept(rows(12, 11, 13), 0)), [11, 12, 13]);
  assert.equal(cursor.from, 13);
  assert.equal(cursor.hasGaps, false);
});

test('a re-read after a reconnect delivers nothing twice', () => {
  const cursor = new EventCursor(0, 5000);
  cursor.accept(rows(1, 2, 3), 0);
  assert.deepEqual(seqs(cursor.accept(rows(2, 3, 4), 10)), [4]);
  assert.deepEqual(seqs(cursor.accept(rows(1, 2, 3, 4), 20)), []);
});

test('an insert that commits after a later one is still delivered: the gap keeps the watermark below it', () => {
  const cursor = new EventCursor(0, 5000);
  assert.deepEqual(seqs(cursor.accept(rows(1, 3), 0)), [1, 3]);
  assert.equal(cursor.from, 1, 'seq 2 is missing, so the watermark stays at 1');
  assert.equal(cursor.highest, 3, 'new events are read above 3');
  assert.deepEqual(cursor.openGaps(10), [2], 'and seq 2 is read again');
  // The next read (seq > 1) returns 3 again, now with 2: only 2 is new.
  assert.deepEqual(seqs(cursor.accept(rows(2, 3), 100)), [2]);
  assert.equal(cursor.from, 3);
  assert.equal(cursor.hasGaps, false);
});

test('a gap that never fills (a rolled-back insert) is given up after the timeout', () => {
  const cursor = new EventCursor(0, 5000);
  cursor.accept(rows(1, 3), 0);
  cursor.sweep(4999);
  assert.equal(cursor.from, 1);
  cursor.sweep(5000);
  assert.equal(cursor.from, 3);
  assert.equal(cursor.hasGaps, false);
  assert.deepEqual(seqs(cursor.accept(rows(2), 6000)), [], 'a seq below the watermark is not delivered any more');
});

test('a jump of the sequence far beyond in-flight inserts is settled at once', () => {
  const cursor = new EventCursor(0, 5000, 100);
  assert.deepEqual(seqs(cursor.accept(rows(1, 5000), 0)), [1, 5000]);
  assert.equal(cursor.from, 5000);
});

test('events at or below the starting point are history and never delivered', () => {
  const cursor = new EventCursor(50, 5000);
  assert.deepEqual(seqs(cursor.accept(rows(49, 50, 51), 0)), [51]);
});
