import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientRecord } from '../client-repository.js';
import { decodeCursor } from './client-cursor.js';
import { checkClientListQuery } from './client-list-query.js';
import { CHANNEL_SCAN_BUDGET, ClientListService } from './client-list-service.js';
import type { ClientPageRepository } from './client-page-repository.js';

const ids = Array.from({ length: 12_000 }, (_, i) => `id-${String(i).padStart(6, '0')}`);

function record(id: string): ClientRecord {
  return {
    id,
    siteCode: 'PS1',
    hostname: id,
    publicKey: '',
    keyFingerprint: id,
    category: 'workgroup',
    agentVersion: '0.1.0',
    registeredAt: '2026-01-01T00:00:00.000Z',
    lastContact: null,
    settingsVersion: 0,
    agentState: 'running',
    stateDir: null,
    status: 'active',
    statusChangedAt: null,
  };
}

/** A repository over `ids` in memory (the SQL is tested against SQLite and PostgreSQL in test/client-list.test.ts). */
function service(online: (id: string) => boolean): { list: ClientListService; scanned: () => number } {
  let scanned = 0;
  const after = (afterId: string | undefined): string[] => ids.filter((id) => afterId === undefined || id > afterId);
  const pages = {
    page: (_code: string, _f: unknown, afterId: string | undefined, count: number) =>
      Promise.resolve(after(afterId).slice(0, count).map(record)),
    pageIds: (_code: string, _f: unknown, afterId: string | undefined, count: number) => {
      const batch = after(afterId).slice(0, count);
      scanned += batch.length;
      return Promise.resolve(batch);
    },
    byIds: (_code: string, wanted: readonly string[]) => Promise.resolve(wanted.map(record)),
  } as unknown as ClientPageRepository;
  const presence = {
    channelOf: (id: string) => (online(id) ? ('tcp' as const) : null),
    counts: () => ({ tcp: 0, 'http-poll': 0 }),
  };
  return {
    list: new ClientListService({
      siteCode: 'PS1',
      pages,
      site: () => Promise.resolve({ activeWindowSeconds: 180 }),
      servedKeys: () => Promise.resolve(new Set<string>()),
      presence,
      flushActivity: () => Promise.resolve(),
    }),
    scanned: () => scanned,
  };
}

test('a channel page that finds too few matches within the scan budget ends early and goes on from the last id read', async () => {
  // Only the last ten clients hold a TCP channel.
  const { list, scanned } = service((id) => id >= 'id-011990');
  const first = await list.page('PS1', checkClientListQuery({ channel: 'tcp', limit: 5 }));
  assert.deepEqual(first.clients, []);
  assert.ok(first.nextCursor !== undefined);
  assert.equal(decodeCursor(first.nextCursor).afterId, ids[CHANNEL_SCAN_BUDGET - 1]);
  assert.ok(scanned() <= CHANNEL_SCAN_BUDGET + 1000, `${scanned()} ids read`);
  const second = await list.page('PS1', checkClientListQuery({ channel: 'tcp', limit: 5, cursor: first.nextCursor }));
  assert.deepEqual(second.clients, []);
  const third = await list.page('PS1', checkClientListQuery({ channel: 'tcp', limit: 5, cursor: second.nextCursor! }));
  assert.deepEqual(
    third.clients.map((c) => c.clientId),
    ids.slice(11_990, 11_995),
  );
  const last = await list.page('PS1', checkClientListQuery({ channel: 'tcp', limit: 5, cursor: third.nextCursor! }));
  assert.deepEqual(
    last.clients.map((c) => c.clientId),
    ids.slice(11_995),
  );
  assert.equal(last.nextCursor, undefined, 'the last page has no cursor');
});

test('a plain page reads limit + 1 rows and has no cursor when it ends exactly at the last client', async () => {
  const { list } = service(() => false);
  const page = await list.page('PS1', checkClientListQuery({ limit: 1000 }));
  assert.equal(page.clients.length, 1000);
  let cursor = page.nextCursor;
  let n = 1000;
  while (cursor !== undefined) {
    const next = await list.page('PS1', checkClientListQuery({ limit: 1000, cursor }));
    n += next.clients.length;
    cursor = next.nextCursor;
  }
  assert.equal(n, ids.length);
});
