import pg from 'pg';
import { unreachable } from '../open-database.js';

/**
 * The tables of a PostgreSQL database outside the system schemas (`schema.table`, sorted): what a
 * restore checks to refuse a database that already holds something. Connects once, with a 10 s
 * deadline; a database that cannot be reached is E_DATABASE_UNAVAILABLE (the password never shown).
 */
export async function postgresTables(url: string): Promise<string[]> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'siteport',
  });
  // A connection the server drops after connect emits 'error'; the query below reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw unreachable(url, error);
  }
  try {
    const result = await client.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%'
       ORDER BY 1`,
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end().catch(() => undefined);
  }
}
