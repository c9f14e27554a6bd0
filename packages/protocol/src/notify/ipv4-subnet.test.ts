import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSiteportError } from '../siteport-error.js';
import { ipv4Broadcast, ipv4InSubnet, ipv4Network } from './ipv4-subnet.js';

describe('IPv4 subnets', () => {
  it('computes network, subnet-directed broadcast and membership', () => {
    assert.equal(ipv4Network('10.202.0.17', 24), '10.202.0.0/24');
    assert.equal(ipv4Broadcast('10.202.0.17', 24), '10.202.0.255');
    assert.equal(ipv4Broadcast('192.168.5.9', 30), '192.168.5.11');
    assert.equal(ipv4Broadcast('127.0.0.1', 8), '127.255.255.255');
    assert.ok(ipv4InSubnet('10.202.0.2', '10.202.0.1', 24));
    assert.ok(!ipv4InSubnet('10.202.1.2', '10.202.0.1', 24));
    assert.ok(!ipv4InSubnet('fe80::1', '10.202.0.1', 24));
    assert.throws(
      () => ipv4Broadcast('10.0.0.300', 24),
      (e) => isSiteportError(e, 'E_VALIDATION'),
    );
  });
});
