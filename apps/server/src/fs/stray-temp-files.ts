import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Names {@link writeFileAtomic} gives its temporary files: `.<file>.<pid>.<hex>.tmp`, or
 * `.<file>.<hex>.tmp` from versions that did not record the writer's pid.
 */
const TEMP_NAME = /^\..+?\.(?:(\d+)\.)?[0-9a-f]{8,}\.tmp$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of atomic writes that never finished (a crash or kill -9 between
 * writing and renaming) from `dir` and its direct subdirectories. A file whose writer is still a
 * live process is left alone: another MP process may be writing into the same data dir. Returns
 * the removed paths.
 */
export async function removeStrayTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const sweep = async (folder: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && depth > 0) await sweep(full, depth - 1);
      const match = entry.isFile() ? TEMP_NAME.exec(entry.name) : null;
      if (match === null) continue;
      if (match[1] !== undefined && alive(Number(match[1]))) continue;
      await fs.rm(full, { force: true });
      removed.push(full);
    }
  };
  await sweep(dir, 1);
  return removed;
}
