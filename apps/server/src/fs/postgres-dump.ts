import { SiteportError } from '@siteport/protocol';
import { postgresTables, redactedUrl } from '@siteport/db';
import { type PgToolOptions, findPgTool, libpqConnection, runPgTool } from './pg-tool.js';

/** The name of the PostgreSQL dump inside a backup (pg_dump's custom format). */
export const POSTGRES_DUMP = 'site-db.pgdump';

const DEFAULT_TIMEOUT_SECONDS = 3600;

/**
 * Writes a consistent snapshot of the site database at `url` to `file` with `pg_dump` (custom
 * format; one transaction snapshot; owners and grants left out so any role can restore it).
 * Waits at most 60 s for a table lock a migration holds, and the whole dump at most the timeout.
 */
export async function dumpPostgres(url: string, file: string, options: PgToolOptions = {}): Promise<void> {
  const { dbname, password } = libpqConnection(url);
  const binary = await findPgTool('pg_dump', options.pgBin);
  await runPgTool({
    binary,
    args: [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      '--lock-wait-timeout=60s',
      `--file=${file}`,
      `--dbname=${dbname}`,
    ],
    password,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  });
}

/** Refuses a target database that holds any table (E_DATABASE_NOT_EMPTY): a restore never mixes with what is there. */
export async function requireEmptyPostgres(url: string): Promise<void> {
  const tables = await postgresTables(url);
  if (tables.length === 0) return;
  const named = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} tables)` : '');
  throw new SiteportError(
    'E_DATABASE_NOT_EMPTY',
    `the target database ${redactedUrl(url)} is not empty (${named}); restore into a new, empty database (createdb NAME) — nothing was changed`,
  );
}

/** Whether `file` is an archive pg_restore can read (its table of contents), before anything is restored. */
export async function checkPostgresDump(file: string, options: PgToolOptions = {}): Promise<void> {
  const binary = await findPgTool('pg_restore', options.pgBin);
  await runPgTool({
    binary,
    args: ['--list', file],
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  });
}

/**
 * Restores a dump into the (empty) database at `url` with `pg_restore` in one transaction that
 * stops at the first error: the database gets all of it or nothing.
 */
export async function restorePostgres(url: string, file: string, options: PgToolOptions = {}): Promise<void> {
  const { dbname, password } = libpqConnection(url);
  const binary = await findPgTool('pg_restore', options.pgBin);
  await runPgTool({
    binary,
    args: ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${dbname}`, file],
    password,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
  });
}
