import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canMoveUpgrade, isUpgradeOpen, offeredWaves } from './upgrade-state.js';

test('an upgrade goes canary, waiting, rest, complete; halts from any wave and resumes into a wave', () => {
  assert.ok(canMoveUpgrade('pending', 'canary'));
  assert.ok(canMoveUpgrade('canary', 'waiting'));
  assert.ok(canMoveUpgrade('waiting', 'rest'));
  assert.ok(canMoveUpgrade('rest', 'complete'));
  for (const from of ['canary', 'waiting', 'rest'] as const) assert.ok(canMoveUpgrade(from, 'halted'));
  assert.ok(canMoveUpgrade('halted', 'rest'));
  assert.equal(canMoveUpgrade('pending', 'rest'), false);
  assert.equal(canMoveUpgrade('canary', 'rest'), false, 'the rest waits for the canaries');
  assert.equal(canMoveUpgrade('rolled-back', 'canary'), false);
});

test('a halted or pending upgrade offers nobody; rolled back and complete are no longer open', () => {
  assert.deepEqual(offeredWaves('halted'), []);
  assert.deepEqual(offeredWaves('waiting'), ['canary']);
  assert.deepEqual(offeredWaves('rest'), ['canary', 'rest']);
  assert.equal(isUpgradeOpen('complete'), false);
  assert.equal(isUpgradeOpen('halted'), true);
});
