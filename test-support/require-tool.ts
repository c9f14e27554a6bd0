import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** Whether a command exists on PATH. */
function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Skips a test when a real component is missing, saying which and how to get it. Under
 * SITEPORT_REQUIRE_ALL=1 (CI) a missing component fails the test instead.
 */
export function requireTool(t: TestContext, name: string, install: string): boolean {
  if (hasCommand(name)) return true;
  const reason = `${name} is not installed (${install})`;
  if (process.env.SITEPORT_REQUIRE_ALL === '1') throw new Error(`SITEPORT_REQUIRE_ALL=1 but ${reason}`);
  t.skip(reason);
  return false;
}
