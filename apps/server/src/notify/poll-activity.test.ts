import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContactUpdate } from '../clients/client-repository.js';
import { PollActivity } from './poll-activity.js';

describe('PollActivity', () => {
  it('records the first poll, skips re-polls from the same place, and records a new port, protocol or address at once', () => {
    let now = 1_000_000;
    const recorded: ContactUpdate[] = [];
    const activity = new PollActivity({ record: (u) => void recorded.push(u) }, () => now);
    activity.seen('a', 443, 'https', '10.0.0.1');
    now += 50_000;
    activity.seen('a', 443, 'https', '10.0.0.1');
    assert.equal(recorded.length, 1, 'an idle re-poll writes nothing');
    activity.seen('a', 8443, 'https', '10.0.0.1');
    activity.seen('a', 80, 'http', '10.0.0.1');
    activity.seen('a', 80, 'http', '10.0.0.2');
    assert.deepEqual(
      recorded.map((u) => [u.port, u.protocol, u.address]),
      [
        [443, 'https', '10.0.0.1'],
        [8443, 'https', '10.0.0.1'],
        [80, 'http', '10.0.0.1'],
        [80, 'http', '10.0.0.2'],
      ],
    );
    assert.equal(recorded[0]!.at, new Date(1_000_000).toISOString());
  });

  it('refreshes the last contact of a client that keeps polling from the same place every ten minutes', () => {
    let now = 0;
    const recorded: ContactUpdate[] = [];
    const activity = new PollActivity({ record: (u) => void recorded.push(u) }, () => now);
    for (now = 0; now <= 30 * 60_000; now += 50_000) activity.seen('a', 443, 'https', '10.0.0.1');
    assert.deepEqual(
      recorded.map((u) => Date.parse(u.at) / 60_000),
      [0, 10, 20, 30],
    );
  });
});
