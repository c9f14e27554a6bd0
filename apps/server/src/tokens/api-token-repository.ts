import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { AdminRole } from '@siteport/protocol';

/** A stored API token; the secret itself is never stored, only its SHA-256. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  role: AdminRole;
  sites: string[] | null;
  secretHash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;
type Row = SiteDatabase['admin_tokens'];

const toRecord = (row: Row): ApiTokenRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  sites: row.sites === null ? null : (JSON.parse(row.sites) as string[]),
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  revokedBy: row.revoked_by,
});

/** API tokens in the site database. */
export class ApiTokenRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async find(id: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.db.selectFrom('admin_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The token that is not revoked and has this name, if any. */
  async findActiveByName(trx: Db, name: string): Promise<ApiTokenRecord | undefined> {
    const row = await trx
      .selectFrom('admin_tokens')
      .selectAll()
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<ApiTokenRecord[]> {
    return (
      await this.db.selectFrom('admin_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id').execute()
    ).map(toRecord);
  }

  async insert(trx: Db, token: ApiTokenRecord): Promise<void> {
    await trx
      .insertInto('admin_tokens')
      .values({
        id: token.id,
        name: token.name,
        role: token.role,
        sites: token.sites === null ? null : JSON.stringify(token.sites),
        secret_hash: token.secretHash,
        created_at: token.createdAt,
        created_by: token.createdBy,
        expires_at: token.expiresAt,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
  }

  /** Marks a token revoked; false when it was revoked already or does not exist. */
  async revoke(trx: Db, id: string, at: string, by: string): Promise<boolean> {
    const result = await trx
      .updateTable('admin_tokens')
      .set({ revoked_at: at, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
