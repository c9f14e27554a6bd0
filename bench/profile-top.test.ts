import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { topFrames } from './profile-top.js';

test('self time is summed per frame, idle left out of the busy time, over the whole profile or a window', () => {
  const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
    id,
    callFrame: { functionName, url, lineNumber },
  });
  const profile = {
    startTime: 0,
    nodes: [
      frame(1, '(idle)'),
      frame(2, 'hmac', 'file:///x/a.ts', 9),
      frame(3, 'writev', 'node:net', 4),
      frame(4, '(program)'),
    ],
    samples: [1, 2, 2, 3, 4, 2],
    // Sample times 5, 6, 7, 9, 10 and 11 ms.
    timeDeltas: [5000, 1000, 1000, 2000, 1000, 1000],
  };
  const { frames, busyMs } = topFrames(profile, 2);
  assert.equal(busyMs, 6);
  assert.deepEqual(
    frames.map((f) => [f.frame, f.selfMs, f.share]),
    [
      ['hmac a.ts:10', 3, 0.5],
      ['writev node:net:5', 2, 2 / 6],
    ],
  );
  const windowed = topFrames(profile, 5, { fromUs: 5500, toUs: 9000 });
  assert.equal(windowed.busyMs, 4);
  assert.deepEqual(
    windowed.frames.map((f) => [f.frame, f.selfMs]),
    [
      ['hmac a.ts:10', 2],
      ['writev node:net:5', 2],
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
