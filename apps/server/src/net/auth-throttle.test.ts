import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { isSiteportError } from '@siteport/protocol';
import { AuthThrottle, sourceKey } from './auth-throttle.js';

test('an IPv4 source counts as itself, also when mapped into IPv6; an IPv6 source counts by its /64', () => {
  assert.equal(sourceKey('192.0.2.7'), '192.0.2.7');
  assert.equal(sourceKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(sourceKey('2001:0DB8:0001:0002:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(sourceKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(sourceKey('::1'), '0:0:0:0::/64');
  assert.equal(sourceKey(undefined), '');
});

test('a sign-in settles once; a lock of the name or of the address is E_SIGN_IN_LOCKED with its scope and Retry-After', () => {
  const throttle = new AuthThrottle({
    limits: { accountFailures: 2, sourceFailures: 3, lockoutSeconds: 30 },
    logger: pino({ level: 'silent' }),
  });
  const first = throttle.beginSignIn('admin', '192.0.2.7');
  assert.deepEqual(first.failed(), []);
  assert.deepEqual(first.failed(), [], 'a second settle counts nothing');
  assert.deepEqual(
    throttle
      .beginSignIn('admin', '192.0.2.7')
      .failed()
      .map((l) => l.scope),
    ['account'],
  );
  assert.throws(
    () => throttle.beginSignIn('admin', '192.0.2.8'),
    (e) =>
      isSiteportError(e, 'E_SIGN_IN_LOCKED') && e.details?.scope === 'account' && e.details.retryAfterSeconds === 30,
  );
  assert.deepEqual(
    throttle
      .beginSignIn('ana', '192.0.2.7')
      .failed()
      .map((l) => l.scope),
    ['address'],
  );
  assert.throws(
    () => throttle.beginSignIn('bob', '192.0.2.7'),
    (e) => isSiteportError(e, 'E_SIGN_IN_LOCKED') && e.details?.scope === 'address',
  );
  throttle.beginSignIn('bob', '192.0.2.8').succeeded();
});
