import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SiteDatabase } from '../schema.js';

/**
 * Opens the embedded site database: WAL journal, `synchronous=FULL` so a committed settings
 * change survives power loss, and a busy timeout for the CLI reading while the server writes.
 */
export function openSqlite(file: string): Kysely<SiteDatabase> {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return new Kysely<SiteDatabase>({ dialect: new SqliteDialect({ database }) });
}
