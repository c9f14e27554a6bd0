import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { SITEPORT_VERSION, SiteportError } from '@siteport/protocol';
import { SQLITE_FILE, backupSqlite, databaseLocation } from '@siteport/db';
import { syncPath } from '@siteport/fs-atomic';
import type { PgToolOptions } from './pg-tool.js';
import {
  POSTGRES_DUMP,
  checkPostgresDump,
  dumpPostgres,
  requireEmptyPostgres,
  restorePostgres,
} from './postgres-dump.js';
import { SERVER_LOCK_FILE } from './server-lock.js';

const run = promisify(execFile);

/** The manifest every backup carries, first thing checked on restore. */
export interface BackupManifest {
  format: 'siteport-backup-v1';
  version: string;
  createdAt: string;
  /** The site database's dialect: `sqlite` (its snapshot is the file `site.db`) or `postgres`. */
  database: 'sqlite' | 'postgres';
  /** `postgres` only: the archive's pg_dump of the site database. Absent in a files-only backup of a PostgreSQL site. */
  databaseDump?: typeof POSTGRES_DUMP;
  /** SHA-256 of every file, by its path inside the data dir. */
  files: Record<string, string>;
}

const MANIFEST = 'siteport-backup.json';
/** What a backup leaves out: the live database files (a snapshot goes in instead), the lock, temp files, the rebuildable agent bundle. */
const SKIPPED = new Set([
  SQLITE_FILE,
  `${SQLITE_FILE}-wal`,
  `${SQLITE_FILE}-shm`,
  SERVER_LOCK_FILE,
  'server.lock',
  'agent-bundle',
]);

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Regular files under `dir` (relative paths), refusing anything else (a symlink, a device). */
async function filesUnder(
  dir: string,
  skip: (relative: string) => boolean,
  refuse: (relative: string) => SiteportError,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, relative), { withFileTypes: true })) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (skip(rel)) continue;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) out.push(rel);
      else throw refuse(rel);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * Writes a backup of a site server's data dir to `out` (a new file, mode 0600: it holds the site's
 * keys): a consistent snapshot of the site database — SQLite's online backup of the embedded file,
 * or pg_dump of a PostgreSQL one (the server may keep running either way) — the CA and
 * certificates, tokens and the secrets key, and a manifest with every file's SHA-256. Everything
 * is staged beside `out` and renamed into place only when complete: a failure leaves no file.
 */
export async function createBackup(
  options: {
    dataDir: string;
    out: string;
    databaseUrl?: string;
  } & PgToolOptions,
): Promise<BackupManifest> {
  const dataDir = path.resolve(options.dataDir);
  const out = path.resolve(options.out);
  const location = databaseLocation(dataDir, options.databaseUrl);
  if (
    await fs.stat(out).then(
      () => true,
      () => false,
    )
  ) {
    throw new SiteportError('E_OPTION', `${out} exists; a backup never overwrites a file — name a new one`);
  }
  if (
    location.kind === 'sqlite' &&
    !(await fs.stat(location.file).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw new SiteportError(
      'E_OPTION',
      `no site database in ${dataDir} (expected ${location.file}); give the --data dir of a site server, or --db for a PostgreSQL site`,
    );
  }
  if (
    !(await fs.stat(dataDir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new SiteportError('E_OPTION', `${dataDir} is not a directory; give the --data dir of a site server`);
  }
  const stage = await fs
    .mkdtemp(path.join(path.dirname(out), `.${path.basename(out)}.stage-`))
    .catch((error: unknown) => {
      throw new SiteportError(
        'E_OPTION',
        `cannot write beside ${out} (${(error as NodeJS.ErrnoException).code ?? String(error)}); name a file in an existing, writable directory`,
        { cause: error },
      );
    });
  const partial = `${out}.partial`;
  let partialCreated = false;
  try {
    await fs.chmod(stage, 0o700);
    const files = await filesUnder(
      dataDir,
      (rel) => SKIPPED.has(rel) || rel.endsWith('.tmp'),
      (rel) =>
        new SiteportError(
          'E_OPTION',
          `${path.join(dataDir, rel)} is not a regular file or directory; a data dir holds only those`,
        ),
    );
    const manifest: BackupManifest = {
      format: 'siteport-backup-v1',
      version: SITEPORT_VERSION,
      createdAt: new Date().toISOString(),
      database: location.kind,
      files: {},
    };
    for (const rel of files) {
      await fs.mkdir(path.dirname(path.join(stage, rel)), { recursive: true, mode: 0o700 });
      await fs.copyFile(path.join(dataDir, rel), path.join(stage, rel));
    }
    if (location.kind === 'sqlite') {
      await backupSqlite(location.file, path.join(stage, SQLITE_FILE));
      files.push(SQLITE_FILE);
    } else {
      await dumpPostgres(location.url, path.join(stage, POSTGRES_DUMP), options);
      files.push(POSTGRES_DUMP);
      manifest.databaseDump = POSTGRES_DUMP;
    }
    for (const rel of files.sort()) manifest.files[rel] = await sha256(path.join(stage, rel));
    await fs.writeFile(path.join(stage, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // Created empty with mode 0600 first, so the keys are never readable by others, even half-written.
    try {
      await (await fs.open(partial, 'wx', 0o600)).close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new SiteportError(
        'E_OPTION',
        `${partial} exists (a backup in progress, or one that was killed); remove it or name another --out`,
        { cause: error },
      );
    }
    partialCreated = true;
    await run('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mode=go-rwx',
      '-czf',
      partial,
      '-C',
      stage,
      '.',
    ]);
    await fs.chmod(partial, 0o600);
    // On disk before it gets its name, and the name on disk before the backup is reported done:
    // a power cut never leaves a complete-looking archive with missing blocks.
    await syncPath(partial);
    await fs.rename(partial, out);
    partialCreated = false;
    await syncPath(path.dirname(out));
    return manifest;
  } finally {
    if (partialCreated) await fs.rm(partial, { force: true });
    await fs.rm(stage, { recursive: true, force: true });
  }
}

function invalid(file: string, why: string): SiteportError {
  return new SiteportError('E_BACKUP_INVALID', `${file} is not a usable siteport backup: ${why}`);
}

/** Where a restore puts a PostgreSQL site database; `fromSettings` when it came from the environment or a config file rather than `--db`. */
export interface RestoreTarget {
  url: string;
  fromSettings?: boolean;
}

/**
 * Restores a backup into `dataDir`, which must not exist or be empty: the archive is unpacked
 * beside it, checked against its manifest (format, every file's SHA-256, nothing extra, nothing
 * but regular files), and only then moved into place with mode 0700/0600. A backup of a
 * PostgreSQL site is restored into `database`, which must hold no table yet, with pg_restore in one
 * transaction, after the checks and before the files move. A site server started on it has the
 * site's keys, tokens and database as they were; its agents reconnect.
 */
export async function restoreBackup(
  options: { file: string; dataDir: string; database?: RestoreTarget } & PgToolOptions,
): Promise<BackupManifest> {
  const file = path.resolve(options.file);
  const dataDir = path.resolve(options.dataDir);
  const target = options.database;
  if (target !== undefined && databaseLocation(dataDir, target.url).kind !== 'postgres') {
    throw new SiteportError('E_OPTION', `the database to restore into must be a postgres://… URL`);
  }
  const existing = await fs.readdir(dataDir).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new SiteportError('E_DATA_DIR_NOT_EMPTY', `${dataDir} is not empty; restore into a new or empty data dir`);
  }
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const stage = await fs.mkdtemp(path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.restore-`));
  try {
    await fs.chmod(stage, 0o700);
    try {
      await run('tar', ['--no-same-owner', '--no-same-permissions', '-xzf', file, '-C', stage]);
    } catch (error) {
      throw invalid(
        file,
        `it cannot be unpacked (${(error as { stderr?: string }).stderr?.trim().split('\n')[0] ?? (error as Error).message})`,
      );
    }
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(await fs.readFile(path.join(stage, MANIFEST), 'utf8')) as BackupManifest;
    } catch {
      throw invalid(file, `it has no readable ${MANIFEST}`);
    }
    if (manifest.format !== 'siteport-backup-v1' || typeof manifest.files !== 'object' || manifest.files === null)
      throw invalid(file, 'unknown format');
    const found = await filesUnder(
      stage,
      (rel) => rel === MANIFEST,
      (rel) => invalid(file, `${rel} is not a regular file`),
    );
    const listed = Object.keys(manifest.files).sort();
    if (JSON.stringify(found) !== JSON.stringify(listed))
      throw invalid(
        file,
        `its files do not match its manifest (${found
          .filter((f) => !listed.includes(f))
          .concat(listed.filter((f) => !found.includes(f)))
          .join(', ')})`,
      );
    if (
      manifest.databaseDump !== undefined &&
      (manifest.databaseDump !== POSTGRES_DUMP || manifest.database !== 'postgres' || !found.includes(POSTGRES_DUMP))
    )
      throw invalid(file, 'its manifest names a database dump that is not there');
    if (manifest.databaseDump === undefined && found.includes(POSTGRES_DUMP))
      throw invalid(file, `it holds ${POSTGRES_DUMP} but its manifest does not name it`);
    for (const rel of found) {
      if ((await sha256(path.join(stage, rel))) !== manifest.files[rel])
        throw invalid(file, `${rel} does not match its checksum`);
      await fs.chmod(path.join(stage, rel), 0o600);
    }
    await fs.rm(path.join(stage, MANIFEST));
    if (manifest.databaseDump !== undefined) {
      if (target === undefined)
        throw new SiteportError(
          'E_OPTION',
          `${file} holds a PostgreSQL site database; name the new, empty database to restore it into with --db postgres://user@host/db (or the db setting of --config) — nothing was changed`,
        );
      const dump = path.join(stage, POSTGRES_DUMP);
      await checkPostgresDump(dump, options);
      await requireEmptyPostgres(target.url);
      await restorePostgres(target.url, dump, options);
      await fs.rm(dump);
    } else if (target !== undefined && target.fromSettings !== true) {
      throw new SiteportError(
        'E_OPTION',
        `${file} holds no PostgreSQL database dump (${manifest.database === 'sqlite' ? 'its database is the embedded SQLite file' : 'a files-only backup'}); restore it without --db — nothing was changed`,
      );
    }
    if (existing !== undefined) await fs.rmdir(dataDir);
    await fs.rename(stage, dataDir);
    return manifest;
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}
