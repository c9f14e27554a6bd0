import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { install, tempStateDir } from './support/agent-harness.js';

const REWRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support/config-rewriter.ts');
const ITERATIONS = 30;
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('atomic state writes', () => {
  it(`leaves client.json whole (old or new content) when the writer is killed with SIGKILL, ${ITERATIONS} times`, async () => {
    const temp = tempStateDir();
    cleanup = temp.cleanup;
    const store = install(temp.dir, ['CCMHTTPPORT=8080']);
    for (let i = 0; i < ITERATIONS; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', REWRITER, temp.dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`rewriter exited early with ${String(code)}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const config = store.readConfig();
      const port = config.ports.http.default;
      assert.ok(port === 8080 || port === 9090, `unexpected port ${port}`);
      assert.ok(
        config.managementPoints.every((mp) => mp.endsWith(`-${port}.example`)),
        'content is entirely one version',
      );
    }
    const leftovers = readdirSync(temp.dir).filter((name) => name.endsWith('.tmp'));
    // A kill between create and rename can leave a temp file; it is never read and the next write still succeeds.
    assert.ok(leftovers.length <= ITERATIONS);
  });
});
