import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { ServerLifecycle } from './server-lifecycle.js';

const quiet = pino({ level: 'silent' });

test('a failed boot closes what it opened, last first, and ends stopped', async () => {
  const life = new ServerLifecycle(quiet);
  const closed: string[] = [];
  await assert.rejects(
    life.boot(() => {
      life.onStop(() => Promise.resolve(void closed.push('db')));
      life.onStop(() => {
        closed.push('listener');
        return Promise.reject(new Error('close failed'));
      });
      return Promise.reject(new Error('bind failed'));
    }),
    /bind failed/,
  );
  assert.deepEqual(closed, ['listener', 'db']);
  assert.equal(life.state, 'stopped');
});

test('a boot that succeeds is running; stop closes once however often it is called', async () => {
  const life = new ServerLifecycle(quiet);
  let closes = 0;
  await life.boot(() => Promise.resolve(life.onStop(() => Promise.resolve(void (closes += 1)))));
  assert.equal(life.state, 'running');
  await Promise.all([life.stop(), life.stop()]);
  await life.stop();
  assert.equal(closes, 1);
  assert.equal(life.state, 'stopped');
});
