import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { atomicTempPath } from './atomic-temp-path.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { writeFileAtomicSync } from './write-file-atomic-sync.js';

type Write = (file: string, data: string | Uint8Array, mode?: number) => Promise<void>;

/** Both implementations behind one signature: the same contract runs for each. */
const WRITERS: [string, Write][] = [
  ['writeFileAtomic', writeFileAtomic],
  // A failure becomes a rejected promise (the executor's throw), as the async writer reports it.
  [
    'writeFileAtomicSync',
    (file, data, mode) => new Promise((resolve) => resolve(writeFileAtomicSync(file, data, mode))),
  ],
];

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-fs-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const [name, write] of WRITERS) {
  describe(name, () => {
    it('creates a file readable by its owner only by default, and with the mode given', async (t) => {
      const dir = tempDir(t);
      await write(path.join(dir, 'secret'), 'key\n');
      await write(path.join(dir, 'pid'), Uint8Array.from([0x34, 0x32]), 0o644);
      assert.equal(readFileSync(path.join(dir, 'secret'), 'utf8'), 'key\n');
      assert.equal(statSync(path.join(dir, 'secret')).mode & 0o077, 0, 'no access for group or others');
      assert.equal(readFileSync(path.join(dir, 'pid'), 'utf8'), '42');
      assert.equal(statSync(path.join(dir, 'pid')).mode & 0o700, 0o600, 'the owner reads and writes');
      assert.deepEqual(readdirSync(dir).sort(), ['pid', 'secret'], 'no temporary file is left');
    });

    it('replaces an existing file whole', async (t) => {
      const dir = tempDir(t);
      const file = path.join(dir, 'client.json');
      writeFileSync(file, 'old content that is longer than the new one');
      await write(file, 'new');
      assert.equal(readFileSync(file, 'utf8'), 'new');
      assert.deepEqual(readdirSync(dir), ['client.json']);
    });

    it('removes its temporary file and throws when the rename fails, leaving the target as it was', async (t) => {
      const dir = tempDir(t);
      const target = path.join(dir, 'taken');
      mkdirSync(target);
      writeFileSync(path.join(target, 'inside'), 'x');
      await assert.rejects(write(target, 'data'), (e: NodeJS.ErrnoException) => typeof e.code === 'string');
      assert.deepEqual(readdirSync(dir), ['taken']);
      assert.deepEqual(readdirSync(target), ['inside']);
    });

    it('throws when the directory does not exist', async (t) => {
      const dir = tempDir(t);
      await assert.rejects(
        write(path.join(dir, 'missing', 'file'), 'data'),
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
      );
    });
  });
}

describe('atomicTempPath', () => {
  it("names a hidden file beside the target with the writer's pid, which the stray-temp sweeps recognise", () => {
    const temp = atomicTempPath('/var/lib/siteport/admin-token');
    assert.equal(path.dirname(temp), '/var/lib/siteport');
    assert.match(path.basename(temp), new RegExp(`^\\.admin-token\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    assert.notEqual(atomicTempPath('/x/f'), atomicTempPath('/x/f'));
  });
});
