import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAgentVersions, isReleaseVersion } from './agent-package.js';

test('a release version is MAJOR.MINOR.PATCH with an optional prerelease, one spelling each', () => {
  for (const ok of ['0.1.0', '1.2.3', '10.0.0-rc.1', '2.0.0-beta-2']) assert.ok(isReleaseVersion(ok), ok);
  for (const bad of [
    '',
    '1.2',
    '01.2.3',
    '1.2.3.4',
    '1.2.3-',
    '1.2.3+build',
    '../1.2.3',
    '1.2.3\n',
    `1.2.3-${'a'.repeat(60)}`,
  ])
    assert.equal(isReleaseVersion(bad), false, JSON.stringify(bad));
});

test('versions order by number, then a prerelease before its release', () => {
  const sorted = [
    '0.9.0',
    '0.10.0',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0',
  ];
  for (let i = 1; i < sorted.length; i += 1) {
    assert.ok(compareAgentVersions(sorted[i - 1] ?? '', sorted[i] ?? '') < 0, `${sorted[i - 1]} < ${sorted[i]}`);
    assert.ok(compareAgentVersions(sorted[i] ?? '', sorted[i - 1] ?? '') > 0);
  }
  assert.equal(compareAgentVersions('1.2.3', '1.2.3'), 0);
  assert.ok(compareAgentVersions('dev-build', '0.0.1') < 0);
});
