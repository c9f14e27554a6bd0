import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { SourceRateLimit, sourceKey } from './source-rate-limit.js';

test('sources are IPv4 addresses (IPv4-mapped unwrapped) and IPv6 /64 prefixes', () => {
  assert.equal(sourceKey('10.1.2.3'), '10.1.2.3');
  assert.equal(sourceKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(sourceKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('2001:db8:0:1:ffff:1:2:3'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('::1'), '0:0:0:0::/64');
});

test('a source gets its burst, then one request per refill step with the seconds to wait; other sources are unaffected', () => {
  let now = 0;
  const limit = new SourceRateLimit({ what: 'registrations', perMinute: 6, now: () => now });
  for (let i = 0; i < 6; i += 1) limit.take('10.0.0.1');
  assert.throws(
    () => limit.take('10.0.0.1'),
    (e: unknown) =>
      isSiteportError(e, 'E_RATE_LIMITED') &&
      e.details?.retryAfterSeconds === 10 &&
      /at most 6 a minute/.test(e.message),
  );
  limit.take('10.0.0.2');
  now += 10_000;
  limit.take('10.0.0.1');
  assert.throws(
    () => limit.take('10.0.0.1'),
    (e: unknown) => isSiteportError(e, 'E_RATE_LIMITED'),
  );
  new SourceRateLimit({ what: 'x', perMinute: 0 }).take('10.0.0.1');
});

test('the map of sources stays bounded under a flood of new sources; eviction never limits a source harder', () => {
  let now = 0;
  const limit = new SourceRateLimit({ what: 'registrations', perMinute: 2, maxSources: 100, now: () => now });
  for (let i = 0; i < 10_000; i += 1) {
    now += 1;
    limit.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.ok(limit.size <= 100);
  }
  limit.take('10.0.0.0');
  limit.take('10.0.0.0');
});
