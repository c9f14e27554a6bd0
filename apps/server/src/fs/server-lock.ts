import { createHash } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SiteportError } from '@siteport/protocol';

/** The file a running site server keeps in its data dir: its process id, for operators (the lock is the socket). */
export const SERVER_LOCK_FILE = 'server.pid';

/** How long asking a lock holder for its pid may take. */
const ASK_TIMEOUT_MS = 2000;

/**
 * Where the lock of a data dir lives: on Linux an abstract Unix socket named after the data dir's
 * real path (the kernel frees it when its process ends, even by `kill -9`, and leaves no file);
 * elsewhere a socket file in the data dir.
 */
export function lockAddress(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  let real = path.resolve(dataDir);
  try {
    real = realpathSync(real);
  } catch {
    // A data dir that does not exist yet has no holder; its path names the lock all the same.
  }
  if (platform === 'linux')
    return `\0siteport-server-lock-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  return path.join(real, 'server.lock');
}

/** Asks the process holding a data dir's lock for its pid; undefined when nobody holds it. */
function ask(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: address });
    let text = '';
    const done = (pid: number | undefined): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(ASK_TIMEOUT_MS, () => done(0));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => done(Number.parseInt(text, 10) || 0));
    socket.on('error', () => done(undefined));
  });
}

/**
 * The pid of the live site server that holds `dataDir` (0 when it holds the lock but did not say
 * its pid), or undefined when none does. A pid file left by a server that died — or naming a pid
 * another program has since taken — no longer counts.
 */
export function lockHolder(dataDir: string): Promise<number | undefined> {
  return ask(lockAddress(dataDir));
}

/**
 * Takes the data dir for this process: refused while another live site server holds it (two
 * servers on one embedded database would each think they own the ports). The lock is a listening
 * Unix socket, held by the kernel for exactly as long as this process lives; it answers a
 * connection with this process's pid. Returns the release function.
 */
export async function acquireServerLock(dataDir: string): Promise<() => Promise<void>> {
  const address = lockAddress(dataDir);
  const server = net.createServer((socket) => socket.end(`${process.pid}\n`));
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: address, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const holder = await ask(address);
    if (holder !== undefined) {
      throw new SiteportError(
        'E_SERVER_RUNNING',
        `another site server (pid ${holder}) is running on ${dataDir}; stop it first, or give this one its own --data dir`,
      );
    }
    // A socket file left by a server that died (not on Linux, where the lock has no file).
    await fs.rm(address, { force: true });
    await listen();
  }
  server.unref();
  const file = path.join(dataDir, SERVER_LOCK_FILE);
  await fs.writeFile(file, `${process.pid}\n`, { mode: 0o600 });
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const owner = await fs.readFile(file, 'utf8').catch(() => '');
    if (Number(owner.trim()) === process.pid) await fs.rm(file, { force: true });
  };
}
