import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { heapDiff, heapTable } from './heap-top.js';

test('the objects a process gained between two of its heap snapshots, grouped by constructor, with their holder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-heap-top-'));
  try {
    const [before, after] = [path.join(dir, 'a.heapsnapshot'), path.join(dir, 'b.heapsnapshot')];
    const script = `
      const v8 = require('node:v8');
      class HeldPerClient { constructor(i) { this.id = i; } }
      v8.writeHeapSnapshot(${JSON.stringify(before)});
      globalThis.kept = { clients: Array.from({ length: 1000 }, (_, i) => new HeldPerClient(i)) };
      v8.writeHeapSnapshot(${JSON.stringify(after)});`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const diff = heapDiff(before, after);
    const held = diff.groups.find((g) => g.group === 'HeldPerClient');
    assert.ok(held, 'the new class is a group');
    assert.equal(held.count, 1000);
    assert.ok(held.bytes >= 1000 * 16, `${held.bytes} bytes`);
    assert.equal(held.heldBy, 'Array.[element]');
    assert.ok(diff.newBytes >= held.bytes);
    const table = heapTable(diff, 1000, 50);
    assert.match(table, /\| `HeldPerClient` \| 1\.00 \| \d+ \| `Array\.\[element\]` \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
