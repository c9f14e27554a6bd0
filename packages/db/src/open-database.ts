import path from 'node:path';
import type { Kysely } from 'kysely';
import { SiteportError } from '@siteport/protocol';
import type { SiteDatabase } from './schema.js';
import { openSqlite } from './sqlite/open-sqlite.js';
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
  throw new SiteportError('E_OPTION', `--db must be postgres://user@host/db or sqlite:/path/site.db, got ${JSON.stringify(url)}`);
}

/** Opens the site database and brings its schema to the latest migration. */
export async function openDatabase(location: DatabaseLocation): Promise<Kysely<SiteDatabase>> {
  switch (location.kind) {
    case 'sqlite': {
      const db = openSqlite(location.file);
      await migrateToLatest(db);
      return db;
    }
    case 'postgres':
      throw new SiteportError(
        'E_OPTION',
        'the PostgreSQL site database is not available in this build yet; omit --db to use the embedded SQLite database',
      );
  }
}
