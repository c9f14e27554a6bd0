import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  type Baseline,
  type GuardedRatio,
  compare,
  guardLines,
  readBaseline,
  writeBaseline,
} from './guard-baseline.js';

const baseline: Baseline = {
  recorded: '2026-12-04T15:00:00.000Z',
  command: 'npm run bench:guard -- --record',
  machine: '2 × test CPU, Node v20',
  tolerance: 0.15,
  ratios: { throughput: 0.8, memory: 1.1 },
};

const ratio = (key: string, better: 'higher' | 'lower', value: number): GuardedRatio => ({
  key,
  path: key,
  better,
  ratio: value,
  note: '',
});

test('a higher-is-better ratio fails only when it falls more than the tolerance below the recorded one', () => {
  assert.equal(compare(ratio('throughput', 'higher', 0.8), baseline).verdict, 'ok');
  assert.equal(compare(ratio('throughput', 'higher', 0.69), baseline).verdict, 'ok'); // limit 0.68
  const worse = compare(ratio('throughput', 'higher', 0.67), baseline);
  assert.equal(worse.verdict, 'worse');
  assert.ok(Math.abs(worse.limit! - 0.68) < 1e-9);
  assert.equal(compare(ratio('throughput', 'higher', 1.5), baseline).verdict, 'ok');
});

test('a lower-is-better ratio fails only when it rises more than the tolerance above the recorded one', () => {
  assert.equal(compare(ratio('memory', 'lower', 1.26), baseline).verdict, 'ok'); // limit 1.265
  assert.equal(compare(ratio('memory', 'lower', 1.27), baseline).verdict, 'worse');
  assert.equal(compare(ratio('memory', 'lower', 0.5), baseline).verdict, 'ok');
});

test('a ratio that could not be measured is worse, and one with no recorded value is new', () => {
  assert.equal(compare(ratio('throughput', 'higher', Number.NaN), baseline).verdict, 'worse');
  assert.equal(compare(ratio('memory', 'lower', Number.POSITIVE_INFINITY), baseline).verdict, 'worse');
  const fresh = compare(ratio('connect-rate', 'higher', 0.1), baseline);
  assert.equal(fresh.verdict, 'new');
  assert.equal(fresh.recorded, undefined);
});

test('the table names each ratio, its limit and the verdict', () => {
  const lines = guardLines(
    [compare(ratio('throughput', 'higher', 0.5), baseline), compare(ratio('memory', 'lower', 1.0), baseline)],
    baseline.tolerance,
  );
  assert.match(lines[0]!, /limit \(15 % worse\)/);
  assert.match(lines[2]!, /^\| throughput \| higher \| 0\.80 \| 0\.68 \| 0\.50 \| \*\*worse\*\* \|/);
  assert.match(lines[3]!, /^\| memory \| lower \| 1\.10 \| 1\.26 \| 1\.00 \| ok \|/);
});

test('a baseline file is written whole and read back; a broken one says how to record a new one', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'siteport-guard-test-'));
  try {
    const file = path.join(dir, 'baseline.json');
    writeBaseline(file, baseline);
    assert.deepEqual(readBaseline(file), baseline);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), baseline);

    writeFileSync(file, '{"recorded": "x"');
    assert.throws(() => readBaseline(file), /cannot read the guard baseline .*npm run bench:guard -- --record/);
    for (const broken of [
      { ...baseline, tolerance: 0 },
      { ...baseline, tolerance: 1.5 },
      { ...baseline, ratios: { throughput: -1 } },
      { ...baseline, ratios: { throughput: 'fast' } },
      { ...baseline, machine: undefined },
    ]) {
      writeFileSync(file, JSON.stringify(broken));
      assert.throws(() => readBaseline(file), /is not a guard baseline.*--record/);
    }
    assert.throws(() => readBaseline(path.join(dir, 'missing.json')), /cannot read the guard baseline/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the recorded baseline in the repository is a valid baseline with every guarded ratio', () => {
  const recorded = readBaseline(new URL('./baseline.json', import.meta.url).pathname);
  assert.equal(recorded.tolerance, 0.15);
  for (const key of ['policy-cpu-sqlite', 'heartbeat-cpu-sqlite', 'notification-memory-per-client'])
    assert.ok(recorded.ratios[key] !== undefined, `${key} is recorded`);
});
