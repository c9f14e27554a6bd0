import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * The temporary file an atomic write of `target` goes through: `.<name>.<pid>.<hex>.tmp` in the
 * same directory (a rename never crosses file systems). The writer's pid lets a start tell a
 * crash's leftover from a write in progress; the server's and the agent's stray-temp sweeps match
 * this name.
 */
export function atomicTempPath(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}
