import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** One permission change made at start: which path, and its mode before and after. */
interface PermissionChange {
  path: string;
  from: string;
  to: string;
}

/** Folders below the data dir that are walked (the data dir holds a few dozen entries; a bound keeps a stray tree from stalling the start). */
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 4;

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Removes group and other bits: 0700 for folders, 0600 for files (an owner's execute bit on a file is kept). */
async function tighten(file: string, isDir: boolean, changes: PermissionChange[]): Promise<void> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat === undefined || stat.isSymbolicLink()) return;
  const mode = stat.mode & 0o777;
  const want = isDir ? 0o700 : mode & 0o700;
  if ((mode & 0o077) === 0 && (!isDir || mode === 0o700)) return;
  await fs.chmod(file, want);
  changes.push({ path: file, from: octal(mode), to: octal(want) });
}

/**
 * Creates the data dir with mode 0700, or takes group and other access away from an existing one
 * and from every folder and file in it (database, keys, tokens, certificates). Symbolic links are
 * not followed. `extraFiles` are files kept outside the data dir (a `--db sqlite:/path` database
 * and its -wal and -shm), tightened the same way when they exist. Returns what was changed, for
 * the start log.
 */
async function secureDataDir(dataDir: string, extraFiles: readonly string[] = []): Promise<PermissionChange[]> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const changes: PermissionChange[] = [];
  await tighten(dataDir, true, changes);
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await tighten(full, true, changes);
        if (depth < MAX_DEPTH) await walk(full, depth + 1);
      } else if (entry.isFile()) {
        await tighten(full, false, changes);
      }
    }
  };
  await walk(dataDir, 1);
  for (const file of extraFiles) await tighten(file, false, changes);
  return changes;
}

/** {@link secureDataDir} at a server's start, with one warn line listing every change it made. */
export async function secureDataDirAtStart(
  dataDir: string,
  extraFiles: readonly string[],
  logger: Logger,
): Promise<void> {
  const changes = await secureDataDir(dataDir, extraFiles);
  if (changes.length === 0) return;
  logger.warn(
    { changed: changes.map((c) => `${c.path} ${c.from} -> ${c.to}`) },
    `took group and other access away from ${changes.length} path(s) of the data dir (keys, tokens and the database are this server's alone)`,
  );
}
