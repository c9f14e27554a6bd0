#!/usr/bin/env node
// Runs every test tier with node's built-in runner: unit tests beside the code, integration
// tests under apps/*/test, end-to-end tests under e2e/. Node 20 takes no globs, so the files are
// listed here. Extra arguments filter files by substring: `npm test -- portswitch`. The compiled
// CLI and the offline agent bundle are rebuilt first, so the end-to-end tests never run a stale
// build (docs/cli.md) and the push tests upload the agent as it is in the sources (docs/push.md).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const roots = ['packages', 'apps', 'e2e', 'bench', 'scripts'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.test.ts')) files.push(full);
  }
}
for (const root of roots) walk(root);
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
for (const step of [['scripts/build-cli.mjs'], ['--import', 'tsx', 'scripts/build-agent-bundle.ts', '--quiet']]) {
  const build = spawnSync(process.execPath, step, { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
