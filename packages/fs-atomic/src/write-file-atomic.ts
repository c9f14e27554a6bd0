import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atomicTempPath } from './atomic-temp-path.js';
import { syncPath } from './sync-path.js';

/**
 * Replaces `file` so that a reader, or a crash at any instant, sees either the old or the new
 * content, never a torn mix: the data goes to a new temporary file in the same directory (created
 * with `mode`, so it is never readable by others even half-written), which is fsynced and renamed
 * over `file`; then the directory is fsynced so the rename itself is durable. On a failure the
 * temporary file is removed and the error thrown. `mode` is applied at creation (less the umask).
 * {@link writeFileAtomicSync} is the same for synchronous callers.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = atomicTempPath(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await syncPath(path.dirname(file));
}
