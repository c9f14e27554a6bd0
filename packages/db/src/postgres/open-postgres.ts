import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { SiteDatabase } from '../schema.js';

/** Options of the PostgreSQL connection pool of one process. */
export interface PostgresPoolOptions {
  /**
   * Connections this process may hold. Several MP processes share one server, whose
   * `max_connections` (100 by default) bounds the sum.
   * @default 10
   */
  max?: number;
}

// COUNT(*) and other int8 results arrive as strings by default; every int8 siteport reads is far
// below 2^53, so they are parsed as numbers, as SQLite returns them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Opens the site database on PostgreSQL: a pool through Kysely's PostgreSQL dialect. Pool errors
 * of idle connections (server restart) are absorbed; the next query opens a new connection.
 */
/** The pool behind each database opened here, for {@link poolStatsOf}. */
const pools = new WeakMap<Kysely<SiteDatabase>, pg.Pool>();

/** Connection pool state of a database opened with {@link openPostgres}; undefined for any other (SQLite). */
export function poolStatsOf(
  db: Kysely<SiteDatabase>,
): { total: number; idle: number; waiting: number; max: number } | undefined {
  const pool = pools.get(db);
  if (pool === undefined) return undefined;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 };
}

export function openPostgres(url: string, options: PostgresPoolOptions = {}): Kysely<SiteDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: 'siteport' });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would end the process. The pool drops that client by itself.
  pool.on('error', () => undefined);
  const db = new Kysely<SiteDatabase>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}
