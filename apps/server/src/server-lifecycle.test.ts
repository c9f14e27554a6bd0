import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { type Component, ServerLifecycle } from './server-lifecycle.js';

const quiet = pino({ level: 'silent' });

test('a failed boot closes what it opened, last first, and ends stopped', async () => {
  const life = new ServerLifecycle(quiet);
  const closed: string[] = [];
  await assert.rejects(
    life.boot(() => {
      life.onStop('database', () => Promise.resolve(void closed.push('db')));
      life.onStop('listener', () => {
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

test('a boot that succeeds is running and returns what it built; stop closes once however often it is called', async () => {
  const life = new ServerLifecycle(quiet);
  let closes = 0;
  const built = await life.boot(() => {
    life.onStop('counter', () => void (closes += 1));
    return Promise.resolve({ url: 'http://127.0.0.1:1' });
  });
  assert.deepEqual(built, { url: 'http://127.0.0.1:1' });
  assert.equal(life.state, 'running');
  await Promise.all([life.stop(), life.stop()]);
  await life.stop();
  assert.equal(closes, 1);
  assert.equal(life.state, 'stopped');
});

test('components start in list order and stop in reverse; one that fails to start stops those before it only', async () => {
  const life = new ServerLifecycle(quiet);
  const log: string[] = [];
  const part = (name: string, fails = false): Component => ({
    name,
    start: () => {
      if (fails) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: () => void log.push(`stop ${name}`),
  });
  await assert.rejects(
    life.boot(() => life.startAll([part('activity'), part('listeners'), part('notify', true), part('ops')])),
    /notify cannot start/,
  );
  assert.deepEqual(log, ['start activity', 'start listeners', 'stop listeners', 'stop activity']);
});
