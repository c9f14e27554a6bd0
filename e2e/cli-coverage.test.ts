import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../apps/cli/src/run-cli.js';

/** Every command path that runs an action (`ports show`, `rollout commit`, `demo`, …). */
function leafCommands(command: Command, path: readonly string[] = []): string[][] {
  const subcommands = command.commands.filter((c) => c.name() !== 'help');
  if (subcommands.length === 0) return [[...path]];
  return subcommands.flatMap((c) => leafCommands(c, [...path, c.name()]));
}

const E2E_DIR = new URL('./', import.meta.url);
const sources = readdirSync(E2E_DIR)
  .filter((name) => name.endsWith('.test.ts') && name !== 'cli-coverage.test.ts')
  .map((name) => readFileSync(new URL(name, E2E_DIR), 'utf8'))
  .join('\n');

test('every siteport subcommand is run through the real CLI by an end-to-end test', () => {
  const leaves = leafCommands(buildProgram());
  assert.ok(leaves.length > 40, `${leaves.length} commands`);
  // An argument list as a test writes it: the words quoted, in order, separated by commas (prettier may break lines).
  const missing = leaves
    .filter((words) => !new RegExp(words.map((w) => `'${w}'`).join(',\\s*')).test(sources))
    .map((w) => w.join(' '));
  assert.deepEqual(missing, [], 'write an e2e test that runs each of these with runCli or startCli');
});
