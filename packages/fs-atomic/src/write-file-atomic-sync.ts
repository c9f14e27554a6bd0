import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { atomicTempPath } from './atomic-temp-path.js';

/**
 * {@link writeFileAtomic} for synchronous callers (the agent's state directory, build steps):
 * temporary file created with `mode`, fsynced, renamed over `file`, directory fsynced; on a
 * failure the temporary file is removed and the error thrown.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  const temp = atomicTempPath(file);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
