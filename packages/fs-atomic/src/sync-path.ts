import { promises as fs } from 'node:fs';

/**
 * fsyncs a file or a directory (opened read-only, which Linux allows for both): a file's data, or
 * a directory's entries (a rename into it), reach the disk before the caller reports them done.
 */
export async function syncPath(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
