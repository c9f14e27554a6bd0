import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SITEPORT_VERSION } from './version.js';

const ROOT = new URL('../../../', import.meta.url);
const versionOf = (dir: string): string =>
  (JSON.parse(readFileSync(new URL(`${dir}package.json`, ROOT), 'utf8')) as { version: string }).version;

test('SITEPORT_VERSION is the version of the repository and of every workspace package', () => {
  assert.equal(versionOf(''), SITEPORT_VERSION);
  const { workspaces } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { workspaces: string[] };
  for (const dir of workspaces) assert.equal(versionOf(`${dir}/`), SITEPORT_VERSION, dir);
});
