import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerWithin } from './remote-notify.js';

test('an answering MP stops waiting one margin before the asker’s wait ends, at most half of it earlier', () => {
  // Asker waits 60 s + 3 s: the answer has 6 s to travel back.
  assert.equal(answerWithin(60_000, 3000), 57_000);
  // A short wait keeps half of itself for the clients.
  assert.equal(answerWithin(2000, 3000), 1000);
  assert.equal(answerWithin(0, 3000), 0);
  // Never longer than the asker's own wait, never less than half of it.
  for (const wait of [500, 5000, 30_000, 60_000]) {
    const within = answerWithin(wait, 3000);
    assert.ok(within <= wait && within >= wait / 2, `${wait} → ${within}`);
  }
});
