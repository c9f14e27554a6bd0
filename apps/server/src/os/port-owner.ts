import { promises as fs } from 'node:fs';

/** The program that holds a listening TCP port, as far as /proc tells (Linux only). */
export interface PortOwner {
  pid: number;
  name: string;
}

const LISTEN_STATE = '0A';

async function listeningInodes(port: number, family: 4 | 6 | undefined): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const tables =
    family === undefined ? ['/proc/net/tcp', '/proc/net/tcp6'] : [family === 4 ? '/proc/net/tcp' : '/proc/net/tcp6'];
  for (const table of tables) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local?.endsWith(`:${hexPort}`) === true && cols[3] === LISTEN_STATE && cols[9] !== undefined)
        inodes.add(cols[9]);
    }
  }
  return inodes;
}

/**
 * Finds the process listening on a TCP port (of one address family, or either) by matching socket
 * inodes in /proc. Returns null where the OS does not tell (not Linux, no permission to read other
 * processes' descriptors).
 */
export async function findPortOwner(port: number, family?: 4 | 6): Promise<PortOwner | null> {
  const own = await listeningInodes(port, family);
  // A dual-stack IPv6 socket holds the IPv4 port too and is listed only in tcp6.
  const inodes = own.size > 0 || family === undefined ? own : await listeningInodes(port, undefined);
  if (inodes.size === 0) return null;
  const pids = (await fs.readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match?.[1] !== undefined && inodes.has(match[1])) {
        const name = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        return { pid: Number(pid), name };
      }
    }
  }
  return null;
}
