// Repository rules that hold for every change (docs/architecture.md, decision 0107): formatting,
// no dead exports, the server's folder boundaries, the package table, and long files explained.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 300;

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, found);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

test('every file is formatted by prettier (npm run format writes them)', () => {
  const { status, output } = run(process.execPath, [
    path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs'),
    '--check',
    '.',
  ]);
  assert.equal(status, 0, output);
});

test('no unused file, export or exported type (knip; knip.json names the entry points)', () => {
  const knip = path.join(ROOT, 'node_modules/knip/bin/knip.js');
  const { status, output } = run(process.execPath, [knip, '--no-progress', '--include', 'files,exports,types']);
  assert.equal(status, 0, output);
});

test('apps/server/src: imports between folders go through index.ts, without cycles, at most 4 up the layers', () => {
  const { status, output } = run(process.execPath, [path.join(ROOT, 'scripts/check-boundaries.mjs')]);
  assert.equal(status, 0, output);
  assert.match(output, / 0 deep imports, \d+ upward imports \(at most 4\), 0 cycles/);
});

test('the package table of docs/architecture.md lists exactly the workspaces', () => {
  const workspaces = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Packages and the rules between them'));
  const listed = [...table.matchAll(/^\| `((?:packages|apps)\/[\w-]+)` +\|/gm)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), [...workspaces].sort());
});

test(`a source file over ${MAX_LINES} lines says why in its first line`, () => {
  const long: string[] = [];
  for (const root of ['apps', 'packages']) {
    for (const workspace of readdirSync(path.join(ROOT, root))) {
      const src = path.join(ROOT, root, workspace, 'src');
      if (!statSync(path.join(ROOT, root, workspace)).isDirectory()) continue;
      let files: string[] = [];
      try {
        files = sourceFiles(src);
      } catch {
        continue;
      }
      for (const file of files) {
        const lines = readFileSync(file, 'utf8').split('\n');
        if (lines.length > MAX_LINES && !/^\/\/ Over \d+ lines/.test(lines[0] ?? ''))
          long.push(`${path.relative(ROOT, file)} (${lines.length})`);
      }
    }
  }
  assert.deepEqual(long, [], `start these with "// Over N lines: <why>" or split them`);
});
