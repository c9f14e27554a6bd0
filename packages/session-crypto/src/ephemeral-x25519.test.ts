import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SESSION = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'ephemeral-x25519.ts');

/** Runs `body` in a child Node.js with a tiny young generation (a collection every few keys), for at most 30 s. */
function underGcPressure(body: string): { status: number | null; stdout: string } {
  const run = spawnSync(
    process.execPath,
    ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', body],
    { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
  );
  return { status: run.status, stdout: run.stdout };
}

// The pattern the agent and the MP used — a fresh key pair whose public key is exported as JWK —
// hangs for good on Node.js 20 in some runs (one of four runs of 60,000 keys under this GC
// pressure, 2026-12-04; a fleet worker of the notification bench froze on it after a few
// thousand sessions). It is not asserted here because it does not hang in every run.
test('session keys are made without the JWK-export deadlock: 100,000 keys under GC pressure, each a raw 32-byte key', () => {
  const fixed = underGcPressure(
    `import { ephemeralX25519 } from ${JSON.stringify(SESSION)}; let n = 0; for (let i = 0; i < 100000; i++) n += ephemeralX25519().publicKey.length === 43 ? 1 : 0; console.log(n);`,
  );
  assert.equal(fixed.status, 0, 'the child finished within 30 s');
  assert.equal(fixed.stdout.trim(), '100000', 'every key made, each a 43-character raw public key');
});
