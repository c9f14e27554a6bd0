import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveHosts, mpLiveness } from './mp-liveness.js';

const at = (ms: number): string => new Date(ms).toISOString();
const NOW = Date.parse('2025-01-01T12:00:00.000Z');

test('a running MP is live while its last heartbeat is within the stale window, and dead after it', () => {
  assert.equal(mpLiveness({ state: 'running', lastSeenAt: at(NOW - 14_000) }, NOW, 15_000), 'running');
  assert.equal(mpLiveness({ state: 'running', lastSeenAt: at(NOW - 15_000) }, NOW, 15_000), 'running');
  assert.equal(mpLiveness({ state: 'running', lastSeenAt: at(NOW - 15_001) }, NOW, 15_000), 'dead');
});

test('an MP that stopped gracefully is stopped, however recent its last heartbeat', () => {
  assert.equal(mpLiveness({ state: 'stopped', lastSeenAt: at(NOW) }, NOW, 15_000), 'stopped');
});

test('a heartbeat time that cannot be read counts as dead, not live', () => {
  assert.equal(mpLiveness({ state: 'running', lastSeenAt: 'garbage' }, NOW, 15_000), 'dead');
});

test('live hosts list the site server first, then additional MPs by start, each host once, without dead or stopped ones', () => {
  const rows = [
    { host: 'mp2', role: 'mp' as const, state: 'running' as const, lastSeenAt: at(NOW - 1000) },
    { host: 'mp-dead', role: 'mp' as const, state: 'running' as const, lastSeenAt: at(NOW - 60_000) },
    { host: 'site', role: 'site' as const, state: 'running' as const, lastSeenAt: at(NOW - 2000) },
    { host: 'mp-gone', role: 'mp' as const, state: 'stopped' as const, lastSeenAt: at(NOW) },
    { host: 'mp3', role: 'mp' as const, state: 'running' as const, lastSeenAt: at(NOW) },
    { host: 'mp2', role: 'mp' as const, state: 'running' as const, lastSeenAt: at(NOW) },
  ];
  assert.deepEqual(liveHosts(rows, NOW, 15_000), ['site', 'mp2', 'mp3']);
});

test('an entry bound to several specific addresses without a public host stands for every address; a named one for its name', () => {
  const rows = [
    {
      host: 'mp1.example.org',
      bindAddress: '10.0.0.5,fd00::5',
      role: 'site' as const,
      state: 'running' as const,
      lastSeenAt: at(NOW),
    },
    {
      host: '10.0.0.6',
      bindAddress: '10.0.0.6,fd00::6',
      role: 'mp' as const,
      state: 'running' as const,
      lastSeenAt: at(NOW),
    },
    { host: 'mp3', bindAddress: '::', role: 'mp' as const, state: 'running' as const, lastSeenAt: at(NOW) },
  ];
  assert.deepEqual(liveHosts(rows, NOW, 15_000), ['mp1.example.org', '10.0.0.6', 'fd00::6', 'mp3']);
});
