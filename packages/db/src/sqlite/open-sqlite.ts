import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { SiteDatabase } from '../schema.js';

/**
 * Opens the embedded site database: WAL journal, `synchronous=FULL` so a committed settings
 * change survives power loss, and a busy timeout for the CLI reading while the server writes.
 * A new file is created with mode 0600 (SQLite gives its -wal and -shm files the same mode), and
 * `secure_delete=FAST` zeroes deleted and overwritten content in the pages it writes anyway, so a
 * replaced secret does not linger in the file.
 */
export function openSqlite(file: string): Kysely<SiteDatabase> {
  closeSync(openSync(file, 'a', 0o600));
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('secure_delete = FAST');
  return new Kysely<SiteDatabase>({ dialect: new SqliteDialect({ database }) });
}

/** Writes the WAL into the database file and empties it (after a secret was overwritten). */
export async function checkpointSqlite(db: Kysely<SiteDatabase>): Promise<void> {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}
