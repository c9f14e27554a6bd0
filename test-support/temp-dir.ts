import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Anything with node:test's `after` (a test context). */
export interface HasAfter {
  after(fn: () => unknown): void;
}

/** A fresh temp dir removed when the test ends. */
export function tempDir(t: HasAfter, prefix = 'siteport-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // Retries: a process the test is still stopping may write one last file meanwhile.
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}
