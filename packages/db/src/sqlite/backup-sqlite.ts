import Database from 'better-sqlite3';

/**
 * Copies an SQLite database, consistent as of one moment, into `destination` with SQLite's online
 * backup (the source may be in use by a running server; its WAL is included).
 */
export async function backupSqlite(source: string, destination: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
}
