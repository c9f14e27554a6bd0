import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInZone, resolveStart } from '../src/ports/rollout/zoned-time.js';

/** `name` with the case of its letters flipped by the bits of `n`: one zone, many spellings. */
function spelling(name: string, n: number): string {
  let bit = 0;
  return [...name]
    .map((c) => (/[a-z]/i.test(c) && (n >> bit++) % 2 === 1 ? c.toUpperCase() : c.toLowerCase()))
    .join('');
}

test('spellings of one time zone in every letter case, each given as a rollout start zone, cannot fill the zone cache: a zone in use keeps its formatter', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  // What a caller holding ports.change (a peer link token too) can send: scheduled starts in 200 spellings of one zone.
  for (let n = 0; n < 200; n += 1) {
    const zone = spelling('europe/berlin', n);
    assert.equal(
      resolveStart({ at: '2026-03-02T02:00', timeZone: zone }, now).startsAt.toISOString(),
      '2026-03-02T01:00:00.000Z',
    );
  }
  const Original = Intl.DateTimeFormat;
  let made = 0;
  Intl.DateTimeFormat = new Proxy(Original, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made += 1;
      return new target(...args);
    },
  });
  try {
    formatInZone(now, 'Pacific/Chatham');
    const first = made;
    for (let i = 0; i < 50; i += 1) formatInZone(new Date(now.getTime() + i * 3_600_000), 'Pacific/Chatham');
    assert.equal(
      made - first,
      0,
      `a zone in use made ${made - first} formatters for 50 conversions instead of reusing one`,
    );
  } finally {
    Intl.DateTimeFormat = Original;
  }
});
