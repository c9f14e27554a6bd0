export type * from './schema.js';
export { MIGRATIONS, migrateToLatest } from './migrate.js';
export { openSqlite } from './sqlite/open-sqlite.js';
export { type DatabaseLocation, SQLITE_FILE, databaseLocation, openDatabase } from './open-database.js';
export { type Kysely, type Transaction, sql } from 'kysely';
