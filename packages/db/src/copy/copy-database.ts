import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, type Transaction, sql } from 'kysely';
import { SiteportError } from '@siteport/protocol';
import type { SiteDatabase } from '../schema.js';
import { COPY_TABLES, type CopyTable } from './copy-tables.js';

/** What was copied of one table, with the evidence that the copy matches. */
export interface TableCopy {
  table: string;
  sourceRows: number;
  targetRows: number;
  /** SHA-256 over the sorted row hashes of each side; equal when every row arrived unchanged. */
  sourceChecksum: string;
  targetChecksum: string;
  verified: boolean;
}

type Row = Record<string, unknown>;
/** Rows read per query and the PostgreSQL limit of bind parameters per statement. */
const PAGE_ROWS = 5000;
const MAX_PARAMETERS = 60_000;

/**
 * Copies every row of a site database into an empty one in one transaction, then reads the
 * target back inside that transaction and compares row counts and checksums table by table; on
 * any difference the transaction is rolled back (the target stays empty) and E_MIGRATION_VERIFY
 * names the tables. Both databases must already be at the latest migration.
 */
export async function copyDatabase(source: Kysely<SiteDatabase>, target: Kysely<SiteDatabase>): Promise<TableCopy[]> {
  const tables = await checkTables(source, target);
  return target.transaction().execute(async (trx) => {
    await refuseNonEmpty(trx, tables);
    const copies: TableCopy[] = [];
    for (const table of tables) {
      const { rows, checksum } = await copyTable(source, trx, table);
      const back = await readTable(trx, table);
      copies.push({
        table: table.name,
        sourceRows: rows,
        targetRows: back.rows,
        sourceChecksum: checksum,
        targetChecksum: back.checksum,
        verified: rows === back.rows && checksum === back.checksum,
      });
    }
    await resetSequences(trx);
    const bad = copies.filter((c) => !c.verified);
    if (bad.length > 0) {
      throw new SiteportError(
        'E_MIGRATION_VERIFY',
        `the copy does not match the source in ${bad.map((c) => c.table).join(', ')}; nothing was written to the target`,
        { details: { tables: bad } },
      );
    }
    return copies;
  });
}

/** Every table of the source must be known here, so a table added by a later migration is never skipped silently. */
async function checkTables(source: Kysely<SiteDatabase>, target: Kysely<SiteDatabase>): Promise<CopyTable[]> {
  const names = async (db: Kysely<SiteDatabase>): Promise<Set<string>> =>
    new Set((await db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_')));
  const [from, to] = await Promise.all([names(source), names(target)]);
  const known = new Set(COPY_TABLES.map((t) => t.name));
  const unknown = [...from].filter((n) => !known.has(n));
  if (unknown.length > 0)
    throw new Error(`the copy does not know the tables ${unknown.join(', ')}; add them to COPY_TABLES`);
  const missing = [...from].filter((n) => !to.has(n));
  if (missing.length > 0)
    throw new SiteportError(
      'E_MIGRATION_VERIFY',
      `the target lacks the tables ${missing.join(', ')}; both databases must be at the same migration`,
    );
  return COPY_TABLES.filter((t) => from.has(t.name));
}

async function refuseNonEmpty(trx: Transaction<SiteDatabase>, tables: CopyTable[]): Promise<void> {
  for (const table of tables) {
    const row = await trx
      .selectFrom(table.name as 'sites')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0) {
      throw new SiteportError(
        'E_DATABASE_NOT_EMPTY',
        `the target database already holds data (table ${table.name}); migrate into a new, empty database (createdb NAME) — nothing was changed`,
      );
    }
  }
}

async function* pages(db: Kysely<SiteDatabase> | Transaction<SiteDatabase>, table: CopyTable): AsyncGenerator<Row[]> {
  for (let offset = 0; ; offset += PAGE_ROWS) {
    let query = db.selectFrom(table.name as 'sites').selectAll();
    for (const key of table.key) query = query.orderBy(key as 'code');
    const rows = (await query.limit(PAGE_ROWS).offset(offset).execute()) as Row[];
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE_ROWS) return;
  }
}

/** A row's hash: its columns in name order with their values, as JSON (numbers stay numbers). */
function rowHash(row: Row): string {
  const entries = Object.keys(row)
    .sort()
    .map((k) => [k, typeof row[k] === 'bigint' ? Number(row[k]) : (row[k] ?? null)]);
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

/** Order-independent: the two dialects sort text keys differently. */
function checksumOf(hashes: string[]): string {
  const digest = createHash('sha256');
  for (const h of hashes.sort()) digest.update(h);
  return digest.digest('hex');
}

async function copyTable(
  source: Kysely<SiteDatabase>,
  trx: Transaction<SiteDatabase>,
  table: CopyTable,
): Promise<{ rows: number; checksum: string }> {
  const hashes: string[] = [];
  for await (const rows of pages(source, table)) {
    const columns = Object.keys(rows[0]!).length;
    const batch = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
    for (let i = 0; i < rows.length; i += batch) {
      await trx
        .insertInto(table.name as 'sites')
        .values(rows.slice(i, i + batch) as never)
        .execute();
    }
    for (const row of rows) hashes.push(rowHash(row));
  }
  return { rows: hashes.length, checksum: checksumOf(hashes) };
}

async function readTable(
  trx: Transaction<SiteDatabase>,
  table: CopyTable,
): Promise<{ rows: number; checksum: string }> {
  const hashes: string[] = [];
  for await (const rows of pages(trx, table)) for (const row of rows) hashes.push(rowHash(row));
  return { rows: hashes.length, checksum: checksumOf(hashes) };
}

/** Rows copied with their keys leave PostgreSQL's serial sequences behind; move them past the copied keys. */
async function resetSequences(trx: Transaction<SiteDatabase>): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false)`.execute(
    trx,
  );
  await sql`SELECT setval(pg_get_serial_sequence('site_events', 'seq'), COALESCE((SELECT MAX(seq) FROM site_events), 0) + 1, false)`.execute(
    trx,
  );
}
