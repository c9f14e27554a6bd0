import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { HostAllowList, hostNameOf } from './host-allow-list.js';

test('the host name of a Host header drops the port, brackets and a trailing dot, and is lower-case', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['Admin.Example.org:8440', 'admin.example.org'],
    ['admin.example.org.', 'admin.example.org'],
    ['[::1]:8440', '::1'],
    ['[FD00::5]', 'fd00::5'],
    ['127.0.0.1:8440', '127.0.0.1'],
    ['', undefined],
    [undefined, undefined],
    ['a b', undefined],
    ['host:port', undefined],
    ['::1', undefined],
  ];
  for (const [header, name] of cases) assert.equal(hostNameOf(header), name, String(header));
});

test('IP addresses, localhost and the listed names pass; any other name is E_ADMIN_HOST naming the option to set', () => {
  const hosts = new HostAllowList(['siteport-1', 'Admin.Example.org', '0.0.0.0']);
  for (const ok of [
    '127.0.0.1:8440',
    '[::1]:8440',
    '192.0.2.7',
    'localhost:8440',
    'siteport-1:8440',
    'admin.example.org',
  ])
    assert.ok(hosts.allows(ok), ok);
  for (const bad of ['evil.example:8440', 'localhost.evil.example', 'siteport-1.evil.example', undefined, ''])
    assert.ok(!hosts.allows(bad), String(bad));
  assert.throws(
    () => hosts.check('evil.example:8440'),
    (e) =>
      isSiteportError(e, 'E_ADMIN_HOST') &&
      /--admin-allow-host evil\.example/.test(e.message) &&
      !/siteport-1/.test(e.message),
  );
});
