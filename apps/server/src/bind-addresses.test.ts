import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { bindAddressText, isWildcardBind, parseBindAddresses } from './bind-addresses.js';
import { parseServerOptions } from './server-options.js';

test('--bind: nothing is the dual-stack wildcard; one address, a list, repeated flags and comma lists all parse', () => {
  assert.deepEqual(parseBindAddresses(undefined), ['::']);
  assert.deepEqual(parseBindAddresses([]), ['::']);
  assert.deepEqual(parseBindAddresses('0.0.0.0'), ['0.0.0.0']);
  assert.deepEqual(parseBindAddresses('10.0.0.5'), ['10.0.0.5']);
  assert.deepEqual(parseBindAddresses(['127.0.0.1', '::1']), ['127.0.0.1', '::1']);
  assert.deepEqual(parseBindAddresses(['127.0.0.1, [FD00::0005]', '10.0.0.5']), ['127.0.0.1', 'fd00::5', '10.0.0.5']);
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x', bindHost: ['127.0.0.1', '::1'] }).bindHosts, [
    '127.0.0.1',
    '::1',
  ]);
  assert.deepEqual(parseServerOptions({ dataDir: '/tmp/x' }).bindHosts, ['::']);
  assert.equal(isWildcardBind(['::']), true);
  assert.equal(isWildcardBind(['0.0.0.0']), true);
  assert.equal(isWildcardBind(['127.0.0.1', '::1']), false);
  assert.equal(bindAddressText(['127.0.0.1', '::1']), '127.0.0.1,::1');
});

test('--bind refuses names, empty items, an address twice, a wildcard next to others and too many addresses, saying what to write', () => {
  const refused = (input: string | string[], pattern: RegExp): void =>
    assert.throws(
      () => parseBindAddresses(input),
      (e) => isSiteportError(e, 'E_OPTION') && pattern.test(e.message),
      JSON.stringify(input),
    );
  refused('mp1.example.org', /takes IP addresses like 10\.0\.0\.5 or fd00::5.*got "mp1\.example\.org"/);
  refused('10.0.0.256', /takes IP addresses/);
  refused('127.0.0.1,', /empty address; give addresses separated by commas/);
  refused(['::1', '0:0:0:0:0:0:0:1'], /names ::1 twice; give each address once/);
  refused(
    ['::', '127.0.0.1'],
    /--bind :: already listens on every IPv6 and IPv4 address; give either :: alone or only specific addresses \(127\.0\.0\.1\)/,
  );
  refused(['10.0.0.5', '0.0.0.0'], /--bind 0\.0\.0\.0 already listens on every IPv4 address/);
  refused(['::', '0.0.0.0'], /--bind :: already listens/);
  refused(
    Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}`),
    /17 addresses; one MP process listens on at most 16/,
  );
  assert.throws(
    () => parseServerOptions({ dataDir: '/tmp/x', bindHost: ['::1', '::1'] }),
    (e) => isSiteportError(e, 'E_OPTION') && (e.details as { address?: string }).address === '::1',
  );
});
