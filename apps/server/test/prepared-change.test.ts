import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortChangeResult, PortsView } from '@siteport/protocol';
import { freePort } from '../../../test-support/ports.js';
import { startTestServer } from '../../../test-support/test-server.js';
import { ManagementPoint } from '../src/mp/management-point.js';
import { SiteRepository } from '../src/site/site-repository.js';
import { PortSettingsService } from '../src/ports/port-settings-service.js';

/** Counts calls of prototype methods while `during` runs (every instance in this process). */
async function counting<T>(
  methods: [object, string][],
  during: () => Promise<T>,
): Promise<{ result: T; calls: Map<string, unknown[][]> }> {
  const calls = new Map<string, unknown[][]>();
  const originals = methods.map(([proto, name]) => {
    const target = proto as Record<string, (...args: unknown[]) => unknown>;
    const original = target[name]!;
    target[name] = function (this: unknown, ...args: unknown[]) {
      calls.set(name, [...(calls.get(name) ?? []), args]);
      return original.apply(this, args);
    };
    return () => (target[name] = original);
  });
  try {
    return { result: await during(), calls };
  } finally {
    for (const restore of originals) restore();
  }
}

const COUNTED: [object, string][] = [
  [SiteRepository.prototype, 'find'],
  [SiteRepository.prototype, 'ports'],
  [PortSettingsService.prototype, 'prepare'],
  [ManagementPoint.prototype, 'checkBindable'],
];
const count = (calls: Map<string, unknown[][]>, name: string): number => calls.get(name)?.length ?? 0;

test('one PATCH that moves a port validates once, test-binds the new port once and reads the site at most twice, listeners included', async (t) => {
  const s = await startTestServer(t);
  const before = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  const moved = await freePort();
  const { result, calls } = await counting(COUNTED, () =>
    s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { http: { default: moved } }),
  );
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.equal(result.body.ports.version, before.version + 1);
  assert.equal(result.body.ports.http.default, moved);
  assert.deepEqual(
    result.body.ports.overlap.map((o) => o.port),
    [before.http.default],
  );
  assert.ok(result.body.rolloutId !== null);
  assert.equal(count(calls, 'prepare'), 1, 'validated once');
  assert.deepEqual(calls.get('checkBindable'), [[[{ item: 'http', port: moved }]]], 'the new port test-bound once');
  const reads = count(calls, 'find') + count(calls, 'ports');
  assert.ok(
    reads <= 2,
    `site and settings rows read ${reads} times (find ${count(calls, 'find')}, ports ${count(calls, 'ports')})`,
  );

  // The listeners settled on the new settings: the new port answers, and a later read is fresh.
  const after = (await s.admin<PortsView>('GET', '/sites/PS1/ports')).body;
  assert.equal(after.version, result.body.ports.version);
  assert.equal(after.http.default, moved);
});

test('a PATCH that moves no port (a description) reads the site at most twice and test-binds nothing', async (t) => {
  const s = await startTestServer(t);
  const { result, calls } = await counting(COUNTED, () =>
    s.admin<PortChangeResult>('PATCH', '/sites/PS1/ports', { descriptions: { http: 'front door' } }),
  );
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.equal(result.body.rolloutId, null);
  assert.equal(result.body.ports.descriptions.http, 'front door');
  assert.equal(count(calls, 'prepare'), 1);
  assert.deepEqual(calls.get('checkBindable') ?? [[[]]], [[[]]], 'no new port, nothing to bind');
  assert.ok(count(calls, 'find') + count(calls, 'ports') <= 2);
  // A stale expected version is still refused: the settings handed to the listeners are not a cache of the current row.
  const stale = await s.admin<{ error: { code: string } }>('PATCH', '/sites/PS1/ports', {
    expectedVersion: result.body.ports.version - 1,
    descriptions: { http: 'again' },
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.code, 'E_VERSION_CONFLICT');
});
