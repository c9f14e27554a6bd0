export type * from './schema.js';
export { MIGRATIONS, migrateToLatest } from './migrate.js';
export { checkpointSqlite, openSqlite } from './sqlite/open-sqlite.js';
export { backupSqlite } from './sqlite/backup-sqlite.js';
export {
  READ_QUEUE_LIMIT,
  type ReadStatements,
  type SqlParams,
  type SqlValue,
  SqliteReadWorker,
} from './sqlite/sqlite-read-worker.js';
export { type DatabaseLocation, SQLITE_FILE, databaseLocation, openDatabase, redactedUrl } from './open-database.js';
export { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction, sql } from 'kysely';
export { type TableCopy, copyDatabase } from './copy/copy-database.js';
export { type PostgresPoolOptions, openPostgres, poolStatsOf } from './postgres/open-postgres.js';
export { postgresTables } from './postgres/postgres-tables.js';
