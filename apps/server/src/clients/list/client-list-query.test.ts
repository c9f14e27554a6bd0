import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSiteportError } from '@siteport/protocol';
import { checkCursor, decodeCursor, encodeCursor, filterKey } from './client-cursor.js';
import { checkClientListQuery } from './client-list-query.js';

test('a query is normalized: default limit, timestamps as UTC instants, the same filters give the same key', () => {
  const q = checkClientListQuery({ status: 'active', lastSeenAfter: '2026-01-31T10:00:00+02:00', port: 8530 });
  assert.equal(q.limit, 100);
  assert.equal(q.cursor, undefined);
  assert.deepEqual(q.filters, { status: 'active', port: 8530, lastSeenAfter: '2026-01-31T08:00:00.000Z' });
  const same = checkClientListQuery({ port: 8530, lastSeenAfter: '2026-01-31T08:00:00Z', status: 'active', limit: 5 });
  assert.equal(same.filterKey, q.filterKey);
  assert.notEqual(checkClientListQuery({ status: 'blocked' }).filterKey, q.filterKey);
  assert.equal(
    checkClientListQuery({ lastSeenBefore: '2026-02-01' }).filters.lastSeenBefore,
    '2026-02-01T00:00:00.000Z',
  );
});

test('a cursor round-trips, is bound to its site and filters, and anything else is E_CURSOR_INVALID', () => {
  const key = filterKey({ status: 'active' });
  const text = encodeCursor({ siteCode: 'PS1', filters: key, afterId: '0b6f2f4e-4a43-4d6e-9f43-5a4f3c1c9b7e' });
  const back = decodeCursor(text);
  assert.deepEqual(back, { siteCode: 'PS1', filters: key, afterId: '0b6f2f4e-4a43-4d6e-9f43-5a4f3c1c9b7e' });
  checkCursor(back, 'PS1', key);
  const invalid = (f: () => unknown): boolean => {
    try {
      f();
      return false;
    } catch (error) {
      return isSiteportError(error, 'E_CURSOR_INVALID');
    }
  };
  assert.ok(invalid(() => checkCursor(back, 'PS2', key)));
  assert.ok(invalid(() => checkCursor(back, 'PS1', filterKey({}))));
  for (const garbled of [
    '',
    '!!',
    text.slice(0, -3),
    `${text}x`,
    Buffer.from('{"v":1}').toString('base64url'),
    Buffer.from('null').toString('base64url'),
  ]) {
    assert.ok(
      invalid(() => decodeCursor(garbled)),
      garbled,
    );
  }
  const extra = Buffer.from(JSON.stringify({ v: 1, s: 'PS1', f: key, a: 'x', admin: true })).toString('base64url');
  assert.ok(invalid(() => decodeCursor(extra)));
});
