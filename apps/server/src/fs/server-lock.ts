import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { SiteportError } from '@siteport/protocol';

/** The file a running site server keeps in its data dir: its process id. */
export const SERVER_LOCK_FILE = 'server.pid';

/** The pid of a live site server that holds `dataDir`, or undefined (no file, a dead pid, or this process). */
export function lockHolder(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dataDir, SERVER_LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Takes the data dir for this process: refused while another live site server holds it (two
 * servers on one embedded database would each think they own the ports); a file left by a killed
 * server is taken over. Returns the release function.
 */
export async function acquireServerLock(dataDir: string): Promise<() => Promise<void>> {
  const holder = lockHolder(dataDir);
  if (holder !== undefined) {
    throw new SiteportError('E_SERVER_RUNNING', `another site server (pid ${holder}) is running on ${dataDir}; stop it first, or give this one its own --data dir`);
  }
  const file = path.join(dataDir, SERVER_LOCK_FILE);
  await fs.writeFile(file, `${process.pid}\n`, { mode: 0o600 });
  return async () => {
    const owner = await fs.readFile(file, 'utf8').catch(() => '');
    if (Number(owner.trim()) === process.pid) await fs.rm(file, { force: true });
  };
}
