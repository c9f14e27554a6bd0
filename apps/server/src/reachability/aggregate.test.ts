import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, countBySubnet, standing } from './aggregate.js';
import { subnetOf } from './subnet.js';

test('aggregate: fresh results count as reachable or blocked per subnet and port; stale ones apart; untested ports are not-tested', () => {
  const rows = aggregate(
    [
      {
        subnet: '10.0.2.0/24',
        port: 80,
        outcome: 'reachable',
        stale: false,
        clients: 3,
        lastSeen: '2026-01-01T10:00:00.000Z',
      },
      {
        subnet: '10.0.1.0/24',
        port: 80,
        outcome: 'reachable',
        stale: false,
        clients: 2,
        lastSeen: '2026-01-01T09:00:00.000Z',
      },
      {
        subnet: '10.0.1.0/24',
        port: 80,
        outcome: 'timeout',
        stale: false,
        clients: 1,
        lastSeen: '2026-01-01T11:00:00.000Z',
      },
      {
        subnet: '10.0.1.0/24',
        port: 443,
        outcome: 'refused',
        stale: false,
        clients: 4,
        lastSeen: '2026-01-01T08:00:00.000Z',
      },
      {
        subnet: '10.0.2.0/24',
        port: 443,
        outcome: 'reachable',
        stale: true,
        clients: 5,
        lastSeen: '2025-12-01T08:00:00.000Z',
      },
      {
        subnet: '10.0.2.0/24',
        port: 9999,
        outcome: 'reachable',
        stale: false,
        clients: 1,
        lastSeen: '2026-01-01T08:00:00.000Z',
      },
    ],
    [80, 443, 10123],
  );
  assert.deepEqual(
    rows.map((r) => r.subnet),
    ['10.0.1.0/24', '10.0.2.0/24'],
  );
  const [one, two] = rows;
  assert.deepEqual(one!.cells[0], {
    port: 80,
    state: 'mixed',
    reachable: 2,
    blocked: 1,
    stale: 0,
    lastSeen: '2026-01-01T11:00:00.000Z',
  });
  assert.equal(one!.cells[1]!.state, 'blocked');
  assert.equal(one!.cells[1]!.blocked, 4);
  assert.equal(one!.cells[2]!.state, 'not-tested');
  assert.equal(two!.cells[0]!.state, 'reachable');
  // Only stale results: shown with their count and time, never trusted.
  assert.deepEqual(two!.cells[1], {
    port: 443,
    state: 'not-tested',
    reachable: 0,
    blocked: 0,
    stale: 5,
    lastSeen: '2025-12-01T08:00:00.000Z',
  });
  // A port that is no column of the matrix is left out.
  assert.equal(two!.cells.length, 3);
});

test('standing: none or stale is unknown; reachable or any other outcome (blocked)', () => {
  const staleBefore = '2026-01-01T00:00:00.000Z';
  assert.equal(standing(undefined, staleBefore), 'unknown');
  assert.equal(standing({ outcome: 'reachable', testedAt: '2025-12-31T23:59:59.000Z' }, staleBefore), 'unknown');
  assert.equal(standing({ outcome: 'reachable', testedAt: '2026-01-01T00:00:01.000Z' }, staleBefore), 'reachable');
  assert.equal(standing({ outcome: 'tls-failed', testedAt: '2026-01-01T00:00:01.000Z' }, staleBefore), 'blocked');
});

test('countBySubnet: largest first, then by subnet', () => {
  assert.deepEqual(countBySubnet(['b', 'a', 'b', 'c', 'a', 'b']), [
    { subnet: 'b', clients: 3 },
    { subnet: 'a', clients: 2 },
    { subnet: 'c', clients: 1 },
  ]);
});

test('subnetOf: /24 for IPv4 (also IPv4-mapped), /64 for IPv6, unknown otherwise', () => {
  assert.equal(subnetOf('10.231.150.2'), '10.231.150.0/24');
  assert.equal(subnetOf('::ffff:192.168.7.99'), '192.168.7.0/24');
  assert.equal(subnetOf('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(subnetOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(subnetOf('::1'), '0:0:0:0::/64');
  assert.equal(subnetOf(undefined), 'unknown');
  assert.equal(subnetOf('not an address'), 'unknown');
});
