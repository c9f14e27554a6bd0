import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canarySize, selectWaves, wavePlace } from './wave-selection.js';

const clients = Array.from({ length: 200 }, (_, i) => `client-${String(i).padStart(4, '0')}`);

test('the canary wave is the given percentage rounded up, at least one client, never more than all', () => {
  assert.equal(canarySize(200, 10), 20);
  assert.equal(canarySize(7, 10), 1);
  assert.equal(canarySize(3, 0), 0);
  assert.equal(canarySize(0, 50), 0);
  assert.equal(canarySize(5, 100), 5);
});

test('wave selection is deterministic by client id and independent of the order clients are listed in', () => {
  const a = selectWaves('upgrade-1', clients, 10);
  const b = selectWaves('upgrade-1', [...clients].reverse(), 10);
  assert.deepEqual(a, b);
  assert.equal(a.canary.length, 20);
  assert.equal(a.rest.length, 180);
  assert.deepEqual([...a.canary, ...a.rest].sort(), clients);
  assert.equal(wavePlace('upgrade-1', 'client-0001'), wavePlace('upgrade-1', 'client-0001'));
});

test('a client keeps its wave when others join or leave, and another upgrade picks other canaries', () => {
  const first = selectWaves('upgrade-1', clients, 10);
  const fewer = selectWaves('upgrade-1', clients.slice(0, 100), 10);
  for (const id of fewer.canary) assert.ok(first.canary.includes(id) || !clients.slice(100).includes(id));
  const other = selectWaves('upgrade-2', clients, 10);
  assert.notDeepEqual(new Set(other.canary), new Set(first.canary));
});

test('duplicate ids count once', () => {
  const waves = selectWaves('u', ['a', 'a', 'b'], 50);
  assert.equal(waves.canary.length + waves.rest.length, 2);
});
