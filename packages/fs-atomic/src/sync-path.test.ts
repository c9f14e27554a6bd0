import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { syncPath } from './sync-path.js';

it('fsyncs a file and a directory, and reports a path that is not there', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-sync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'archive.tar.gz');
  writeFileSync(file, 'data', { mode: 0o600 });
  await syncPath(file);
  await syncPath(dir);
  await assert.rejects(syncPath(path.join(dir, 'missing')), { code: 'ENOENT' });
});
