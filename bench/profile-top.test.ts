import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { topFrames } from './profile-top.js';

test('self time is summed per frame, idle and program left out of the busy time', () => {
  const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
    id,
    callFrame: { functionName, url, lineNumber },
  });
  const { frames, busyMs } = topFrames(
    {
      nodes: [
        frame(1, '(idle)'),
        frame(2, 'hmac', 'file:///x/a.ts', 9),
        frame(3, 'writev', 'node:net', 4),
        frame(4, '(program)'),
      ],
      samples: [1, 2, 2, 3, 4, 2],
      timeDeltas: [5000, 1000, 1000, 2000, 7000, 1000],
    },
    2,
  );
  assert.equal(busyMs, 5);
  assert.deepEqual(
    frames.map((f) => [f.frame, f.selfMs, f.share]),
    [
      ['hmac a.ts:10', 3, 0.6],
      ['writev node:net:5', 2, 0.4],
    ],
  );
});

test('a real profile of a busy loop names the busy function first', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-prof-'));
  try {
    const run = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '-e',
        'function spin(){let x=0;const end=Date.now()+300;while(Date.now()<end)x+=Math.sqrt(x+1);return x}spin()',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const { frames } = topFrames(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), 5);
    assert.ok(
      frames.some((f) => f.frame.startsWith('spin ')),
      JSON.stringify(frames),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
