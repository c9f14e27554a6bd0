import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The attack tests `docs/security.md` lists: "- `file` › test name". */
function listedAttacks(): { file: string; name: string }[] {
  const text = readFileSync(path.join(root, 'docs/security.md'), 'utf8');
  return [...text.matchAll(/^- `([^`]+\.test\.ts)` › (.+)$/gm)].map((m) => ({ file: m[1]!, name: m[2]!.trim() }));
}

/** A test title as it stands in source, with the escapes of a quoted string taken out. */
const unescaped = (source: string): string => source.replace(/\\(['"`\\])/g, '$1');

test('every attack docs/security.md lists is a test in the suite, under the name the document gives', () => {
  const attacks = listedAttacks();
  assert.ok(attacks.length >= 60, `docs/security.md lists ${attacks.length} attack tests`);
  const missing = attacks.filter(({ file, name }) => {
    const full = path.join(root, file);
    return !existsSync(full) || !unescaped(readFileSync(full, 'utf8')).includes(name);
  });
  assert.deepEqual(missing, [], 'attacks listed in docs/security.md that no test file holds by that name');
});
