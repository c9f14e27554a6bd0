import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { PortSettings } from '@siteport/protocol';
import type { CollectionRepository, StoredCollection } from './collection-repository.js';
import { WindowGate } from './window-gate.js';

const settings = { http: { default: 80, alternate: null } } as unknown as PortSettings;
const client = (id: string, hostname: string) => ({ id, hostname, address: null });
/** The clients as the repository pages them. */
async function* pages(clients: ReturnType<typeof client>[]) {
  yield await Promise.resolve(clients);
}

test('the gate holds the members of a closed window until its opening, lets everyone else through, and follows the rollout', async () => {
  const now = Date.now();
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const collections: StoredCollection[] = [
    {
      id: 'c1',
      siteCode: 'PS1',
      name: 'late',
      hostGlob: 'db-*',
      subnets: [],
      clientIds: [],
      createdAt: '',
      createdBy: '',
      windows: [
        {
          id: 'w1',
          days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
          start: hhmm(now + 3 * 3_600_000),
          durationMinutes: 30,
          timeZone: 'UTC',
        },
      ],
    },
  ];
  let rollouts = [
    {
      id: 'r1',
      state: 'overlapping',
      respectWindows: true,
      committedAt: new Date(now - 1000).toISOString(),
      oldVersion: 4,
      old: { settings, communicationMode: 'https-or-http' as const },
    },
  ];
  let changes = 0;
  const gate = new WindowGate({
    siteCode: 'PS1',
    openRollouts: () => Promise.resolve(rollouts),
    repo: {
      list: () => Promise.resolve(collections),
      subjectPages: () => pages([client('a', 'db-1'), client('b', 'web-1')]),
    } as unknown as CollectionRepository,
    onChange: () => (changes += 1),
    logger: pino({ level: 'silent' }),
  });
  const held = await gate.sync();
  assert.equal(held?.version, 4);
  assert.equal(changes, 1, 'a window-respecting rollout began');
  assert.equal(gate.holds('a', Date.now()), true);
  assert.equal(gate.holds('b', Date.now()), false, 'in no collection');
  assert.equal(gate.holds('unknown', Date.now()), false);
  // The hold ends at the opening (minute resolution of the start), without recomputing.
  assert.equal(gate.holds('a', now + 3 * 3_600_000 + 60_000), false);

  rollouts = [{ ...rollouts[0]!, state: 'finalized' }];
  assert.equal(await gate.sync(), undefined);
  assert.equal(gate.holds('a', Date.now()), false);
  assert.equal(changes, 2, 'the rollout ended');
});

test('a gate that cannot be computed keeps the last good holds of its rollout, holds no one for a new rollout, logs once per streak and recovers', async () => {
  const now = Date.now();
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const window = {
    id: 'w1',
    days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const,
    start: hhmm(now + 3 * 3_600_000),
    durationMinutes: 30,
    timeZone: 'UTC',
  };
  const collection = {
    id: 'c1',
    siteCode: 'PS1',
    name: 'late',
    hostGlob: 'db-*',
    subnets: [],
    clientIds: [],
    createdAt: '',
    createdBy: '',
    windows: [{ ...window, days: [...window.days] }],
  } satisfies StoredCollection;
  const rollout = (id: string) => ({
    id,
    state: 'overlapping',
    respectWindows: true,
    committedAt: new Date(now - 1000).toISOString(),
    oldVersion: 4,
    old: { settings, communicationMode: 'https-or-http' as const },
  });
  let rollouts = [rollout('r1')];
  let failure: Error | undefined;
  const warnings: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => warnings.push(line) });
  const gate = new WindowGate({
    siteCode: 'PS1',
    openRollouts: () => Promise.resolve(rollouts),
    repo: {
      list: () => (failure === undefined ? Promise.resolve([collection]) : Promise.reject(failure)),
      subjectPages: () => pages([client('a', 'db-1')]),
    } as unknown as CollectionRepository,
    onChange: () => undefined,
    logger,
  });
  assert.equal((await gate.sync())?.rolloutId, 'r1');
  assert.equal(gate.holds('a', Date.now()), true);

  failure = new Error('database unreachable');
  assert.equal((await gate.sync())?.rolloutId, 'r1', 'the last good gate is kept, not a rejection');
  assert.equal((await gate.sync())?.rolloutId, 'r1');
  assert.equal(gate.holds('a', Date.now()), true, 'its holds still stand and end at the opening');
  assert.equal(warnings.filter((l) => l.includes('cannot compute who waits')).length, 1, 'one warning per streak');

  // A rollout the gate never computed holds no one back while the gate fails.
  rollouts = [rollout('r2')];
  assert.equal(await gate.sync(), undefined);
  assert.equal(gate.holds('a', Date.now()), false);

  failure = undefined;
  assert.equal((await gate.sync())?.rolloutId, 'r2', 'retried at the next sync');
  assert.equal(gate.holds('a', Date.now()), true);
  failure = new Error('again');
  await gate.sync();
  assert.equal(warnings.filter((l) => l.includes('cannot compute who waits')).length, 2, 'a new streak warns again');
});
