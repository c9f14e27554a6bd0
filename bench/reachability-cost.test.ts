import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SCHEDULE,
  type ReachabilityCostMeasure,
  reachabilityCostLines,
  reachabilityCostRatios,
  reachabilityShare,
} from './reachability-cost-model.js';
import { meets } from './ratio-summary.js';

const measure: ReachabilityCostMeasure = {
  clients: 100,
  normalCpuMicros: 100,
  normalRequests: 10_000,
  roundCpuMicros: 600,
  fullRoundCpuMicros: 2_400,
  rounds: 500,
  portsPerRound: 1,
  portsPerFullRound: 3,
};

test('the share: round CPU over the mean probe period against two requests per policy interval', () => {
  const share = reachabilityShare(measure, DEFAULT_SCHEDULE);
  // Mean period (1 − 0.1 / 2) × 21,600 s = 20,520 s; 2 requests per 60 s.
  assert.equal(share.roundRate, 1 / 20_520);
  assert.equal(share.requestRate, 2 / 60);
  assert.ok(Math.abs(share.cpu - 600 / 20_520 / (200 / 60)) < 1e-12);
  assert.ok(Math.abs(share.fullCpu - 4 * share.cpu) < 1e-12);
  assert.ok(Math.abs(share.requests - 60 / (2 * 20_520)) < 1e-12);
  assert.ok(Math.abs(share.contacts - 2 * share.requests) < 1e-12);
});

test('the table states the formula and marks the bar; the ratio rows fail when a round costs too much', () => {
  const text = reachabilityCostLines(measure, DEFAULT_SCHEDULE).join('\n');
  assert.match(text, /share = \(round CPU ÷ mean probe period\) ÷ \(2 × request CPU ÷ policy interval\)/);
  assert.match(text, /\| MP CPU \| 0\.877 % \| ≤ 1\.000 % \| yes \|/);
  assert.match(text, /\| MP requests \(one report per round\) \| 0\.146 % \| ≤ 1\.000 % \| yes \|/);
  assert.ok(reachabilityCostRatios(measure, DEFAULT_SCHEDULE).every(meets));
  // 1,400 µs a round misses 1 %: 1400 / 20,520 ÷ (200 / 60) = 2.05 %.
  const costly = { ...measure, roundCpuMicros: 1_400 };
  const [cpu, requests] = reachabilityCostRatios(costly, DEFAULT_SCHEDULE);
  assert.equal(meets(cpu!), false);
  assert.equal(meets(requests!), true);
  assert.match(
    reachabilityCostLines(costly, DEFAULT_SCHEDULE).join('\n'),
    /\| MP CPU \| [\d.]+ % \| ≤ 1\.000 % \| \*\*no\*\* \|/,
  );
});
