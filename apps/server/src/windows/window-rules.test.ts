import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SiteportError } from '@siteport/protocol';
import { BlockList } from 'node:net';
import { type RuleSubject, compileRule, globMatches, parseSubnet, prepareSubject } from './collection-rules.js';
import { holdPlan } from './hold-plan.js';
import { nextOpening, openings, type WeeklyWindow } from './window-time.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

test('a window opens at its local start on its days, also across DST changes in both hemispheres', () => {
  const berlin: WeeklyWindow = {
    id: 'w',
    days: ['sun'],
    start: '02:30',
    durationMinutes: 60,
    timeZone: 'Europe/Berlin',
  };
  // 2027-03-28 (Sunday): clocks skip 02:00–03:00; the window opens when 02:30 would have been (01:30Z, 03:30 CEST).
  const gap = openings(berlin, at('2027-03-27T00:00:00Z'), at('2027-03-29T00:00:00Z'));
  assert.deepEqual(
    gap.map((o) => iso(o.opensAt)),
    ['2027-03-28T01:30:00.000Z'],
  );
  assert.equal(gap[0]!.closesAt - gap[0]!.opensAt, 3_600_000, 'the duration is real time');
  // 2026-10-25 (Sunday): 02:30 happens twice; the window opens at the first.
  const repeated = openings(berlin, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'));
  assert.deepEqual(
    repeated.map((o) => iso(o.opensAt)),
    ['2026-10-25T00:30:00.000Z'],
  );
  // Sydney (southern hemisphere) in December: +11:00.
  const sydney: WeeklyWindow = {
    id: 's',
    days: ['mon', 'fri'],
    start: '22:00',
    durationMinutes: 120,
    timeZone: 'Australia/Sydney',
  };
  const week = openings(sydney, at('2026-12-07T00:00:00Z'), at('2026-12-13T00:00:00Z'));
  assert.deepEqual(
    week.map((o) => iso(o.opensAt)),
    ['2026-12-07T11:00:00.000Z', '2026-12-11T11:00:00.000Z'],
  );
  // A window that opened before `now` and is still open is the next one, and it is open.
  const kolkata: WeeklyWindow = {
    id: 'k',
    days: ['fri'],
    start: '23:30',
    durationMinutes: 120,
    timeZone: 'Asia/Kolkata',
  };
  const open = nextOpening(kolkata, at('2026-12-04T19:00:00Z'))!;
  assert.equal(iso(open.opensAt), '2026-12-04T18:00:00.000Z', 'Friday 23:30 +05:30, running past midnight');
});

test('glob matching is a plain wildcard walk: regex characters are text, and a pathological glob stays fast', () => {
  assert.equal(globMatches('db-*.example.org', 'DB-7.example.org'), true);
  assert.equal(globMatches('agent-00?', 'agent-003'), true);
  assert.equal(globMatches('agent-00?', 'agent-0003'), false);
  assert.equal(globMatches('.*', 'anything'), false, 'a dot is a dot');
  assert.equal(globMatches('*', ''), true);
  const started = process.hrtime.bigint();
  assert.equal(globMatches(`${'*a'.repeat(60)}b`, 'a'.repeat(253)), false);
  assert.ok(process.hrtime.bigint() - started < 200_000_000n, 'no catastrophic backtracking');
});

test('subnet rules match IPv4, IPv4-mapped and IPv6 addresses; bad subnets are refused', () => {
  const compiled = compileRule({ hostGlob: null, subnets: ['10.1.0.0/16', 'fd00::/64'], clientIds: ['c-9'] });
  const rule = (s: RuleSubject): boolean => compiled(prepareSubject(s));
  assert.equal(rule({ id: 'a', hostname: 'h', address: '10.1.2.3' }), true);
  assert.equal(rule({ id: 'a', hostname: 'h', address: '::ffff:10.1.2.3' }), true);
  assert.equal(rule({ id: 'a', hostname: 'h', address: 'fd00::5' }), true);
  assert.equal(rule({ id: 'a', hostname: 'h', address: '10.2.0.1' }), false);
  assert.equal(rule({ id: 'c-9', hostname: 'h', address: null }), true);
  assert.equal(rule({ id: 'a', hostname: 'h', address: 'not an address' }), false);
  assert.equal(
    compileRule({ hostGlob: 'DB-*', subnets: [], clientIds: [] })(
      prepareSubject({ id: 'a', hostname: 'db-1', address: null }),
    ),
    true,
  );
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', '1.2.3.4'])
    assert.throws(
      () => parseSubnet(bad),
      (e: unknown) => e instanceof SiteportError && e.code === 'E_VALIDATION',
    );
});

test('who waits: a client in several windowed collections moves in the first of their windows; one in none is not held', async () => {
  const since = at('2026-12-04T10:00:00Z');
  const now = at('2026-12-04T10:05:00Z');
  const daily = (id: string, start: string): WeeklyWindow => ({
    id,
    days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
    start,
    durationMinutes: 60,
    timeZone: 'UTC',
  });
  const collections = [
    { name: 'open', matches: (c: { id: string }) => c.id === 'a' || c.id === 'b', windows: [daily('w1', '09:30')] },
    { name: 'night', matches: (c: { id: string }) => c.id === 'b' || c.id === 'c', windows: [daily('w2', '22:00')] },
    { name: 'no-window', matches: () => true, windows: [] },
  ];
  const clients = ['a', 'b', 'c', 'd'].map((id) => ({ id, hostname: id, address: null }));
  const holds = await holdPlan(collections, clients, since, now);
  assert.deepEqual(
    holds.map((h) => [h.clientId, h.collection, h.window?.id, iso(h.releaseAt)]),
    [['c', 'night', 'w2', '2026-12-04T22:00:00.000Z']],
  );
  // A window that closed before the rollout started does not release anyone until it opens again.
  const later = await holdPlan(collections, clients, at('2026-12-04T11:00:00Z'), at('2026-12-04T11:05:00Z'));
  assert.deepEqual(
    later.map((h) => [h.clientId, iso(h.releaseAt)]),
    [
      ['a', '2026-12-05T09:30:00.000Z'],
      ['b', '2026-12-04T22:00:00.000Z'],
      ['c', '2026-12-04T22:00:00.000Z'],
    ],
  );
});

test('subnets are matched numerically exactly as a BlockList matches them, for every prefix length of both families', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const v4 = (): string => [0, 0, 0, 0].map(() => rand(256)).join('.');
  const v6 = (): string =>
    Array.from({ length: 8 }, () => (rand(4) === 0 ? '0' : rand(65_536).toString(16)))
      .join(':')
      .replace(/(^|:)0(:0)+(:|$)/, '::');
  for (let round = 0; round < 400; round += 1) {
    const six = round % 2 === 1;
    const base = six ? v6() : v4();
    const prefix = rand(six ? 129 : 33);
    const list = new BlockList();
    list.addSubnet(base, prefix, six ? 'ipv6' : 'ipv4');
    const matches = compileRule({ hostGlob: null, subnets: [`${base}/${prefix}`], clientIds: [] });
    for (let i = 0; i < 50; i += 1) {
      // Half the probes share the subnet's leading bits, so both outcomes are exercised.
      const address =
        i % 2 === 0
          ? six
            ? v6()
            : v4()
          : base.replace(/[0-9a-f]+$/, rand(six ? 65_536 : 256).toString(six ? 16 : 10));
      const expected = list.check(address, six ? 'ipv6' : 'ipv4');
      assert.equal(
        matches(prepareSubject({ id: 'x', hostname: 'h', address })),
        expected,
        `${address} in ${base}/${prefix}`,
      );
    }
  }
});
