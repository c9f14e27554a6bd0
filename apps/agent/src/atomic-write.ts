import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Replaces a file so that a reader (or a crash at any instant) sees either the old or the new
 * content, never a torn mix: write a temporary file in the same directory, fsync it, rename it
 * over the target, then fsync the directory so the rename itself is durable.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined = openSync(temp, 'wx', mode);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // The temporary file is already gone; the original error is the one to report.
    }
    throw error;
  }
  fsyncDirectory(dir);
}

/** Flushes a directory entry change (create, rename, unlink) to disk. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
