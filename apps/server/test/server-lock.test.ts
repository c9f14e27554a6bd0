import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isSiteportError } from '@siteport/protocol';
import { SERVER_LOCK_FILE, acquireServerLock, lockHolder } from '../src/fs/server-lock.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const LOCK_MODULE = fileURLToPath(new URL('../src/fs/server-lock.ts', import.meta.url));

test('the data dir lock: one holder at a time, a stale pid file of another program does not block, kill -9 frees it at once', async (t) => {
  const dir = tempDir(t);
  // The bug this lock replaces: a pid file naming a live process of another program (pid 1 here).
  writeFileSync(`${dir}/${SERVER_LOCK_FILE}`, '1\n');
  assert.equal(await lockHolder(dir), undefined, 'a pid file alone is no lock');
  const release = await acquireServerLock(dir);
  assert.equal(readFileSync(`${dir}/${SERVER_LOCK_FILE}`, 'utf8'), `${process.pid}\n`);
  assert.equal(await lockHolder(dir), process.pid);
  await assert.rejects(
    acquireServerLock(dir),
    (e) => isSiteportError(e, 'E_SERVER_RUNNING') && e.message.includes(`pid ${process.pid}`),
  );
  await release();
  assert.equal(await lockHolder(dir), undefined);

  // Another process takes it and dies by SIGKILL: no cleanup ran, and the lock is free anyway.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { acquireServerLock } = await import(${JSON.stringify(LOCK_MODULE)}); await acquireServerLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
  );
  assert.equal(await lockHolder(dir), child.pid);
  await assert.rejects(
    acquireServerLock(dir),
    (e) => isSiteportError(e, 'E_SERVER_RUNNING') && e.message.includes(`pid ${child.pid}`),
  );
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  assert.equal(await lockHolder(dir), undefined);
  const again = await acquireServerLock(dir);
  await again();
});
