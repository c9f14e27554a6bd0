import path from 'node:path';
import type { Kysely } from 'kysely';
import { SiteportError } from '@siteport/protocol';
import type { SiteDatabase } from './schema.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { openPostgres } from './postgres/open-postgres.js';
import { migrateToLatest } from './migrate.js';

/** Which database a site uses: the embedded SQLite file, or a PostgreSQL URL. */
export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The file name of the embedded database inside a data dir. */
export const SQLITE_FILE = 'site.db';

/** Resolves `--db` (or its absence) against a data dir. */
export function databaseLocation(dataDir: string, url: string | undefined): DatabaseLocation {
  if (url === undefined || url === '') return { kind: 'sqlite', file: path.join(dataDir, SQLITE_FILE) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', file: path.resolve(url.slice('sqlite:'.length)) };
  throw new SiteportError(
    'E_OPTION',
    `--db must be postgres://user@host/db or sqlite:/path/site.db, got ${JSON.stringify(url)}`,
  );
}

/** Opens the site database and brings its schema to the latest migration. */
export async function openDatabase(location: DatabaseLocation): Promise<Kysely<SiteDatabase>> {
  switch (location.kind) {
    case 'sqlite': {
      const db = openSqlite(location.file);
      await migrateToLatest(db);
      return db;
    }
    case 'postgres': {
      const db = openPostgres(location.url);
      try {
        await migrateToLatest(db);
      } catch (error) {
        await db.destroy();
        throw unreachable(location.url, error);
      }
      return db;
    }
  }
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/** A connection failure becomes an error that says where siteport tried to connect and what to check. */
export function unreachable(url: string, error: unknown): Error {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|28P01|28000|3D000)$/.test(code)) {
    const what =
      code === '3D000'
        ? 'the database does not exist (create it first: createdb)'
        : code.startsWith('28')
          ? 'authentication failed (check the user and password in the URL)'
          : 'the server is not reachable (is PostgreSQL running and listening there?)';
    return new SiteportError(
      'E_DATABASE_UNAVAILABLE',
      `cannot open the site database at ${redactedUrl(url)}: ${what}`,
      { cause },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
