import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostName } from './host-name.js';

describe('isHostName', () => {
  it('takes DNS names, IPv4 addresses and IPv6 addresses in their text forms', () => {
    for (const host of [
      'gw.example.com',
      'mp-1',
      '192.0.2.7',
      '::',
      '::1',
      '2001:db8::1',
      '1::',
      'fe80:0:0:0:200:5eff:fe00:5301',
      '1:2:3:4:5:6:7:8',
      '::ffff:192.0.2.7',
      '64:ff9b::192.0.2.7',
    ])
      assert.equal(isHostName(host), true, host);
  });

  it('refuses colon text that is no IPv6 address, and names that are no DNS names', () => {
    for (const host of [
      ':::::',
      ':1',
      '1:',
      '1:::2',
      '1::2::3',
      '12345::1',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7::8',
      '::ffff:1.2.3',
      '::1.2.3.4:1',
      'fe80::1%eth0',
      '[::1]',
      '',
      '-.-',
      'a..b',
      'a b',
    ])
      assert.equal(isHostName(host), false, host);
  });
});
