import type { Kysely, RegistrationTokensTable, SiteDatabase, Transaction } from '@siteport/db';
import { type RegistrationMode, isRegistrationMode } from '@siteport/protocol';

/** A site's stored registration mode. */
export interface RegistrationSettings {
  mode: RegistrationMode;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** A registration token row (the secret itself is never stored). */
export type TokenRow = RegistrationTokensTable;

/** Why a token was not accepted. */
export type TokenRefusal = 'unknown' | 'revoked' | 'expired' | 'used-up' | 'other-site';

/** The registration mode of each site and its registration tokens. */
export class RegistrationRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  /** The site's mode; a site without a stored mode registers openly (decision 0095). */
  async settings(siteCode: string): Promise<RegistrationSettings> {
    const row = await this.db
      .selectFrom('registration_settings')
      .selectAll()
      .where('site_code', '=', siteCode)
      .executeTakeFirst();
    if (row === undefined || !isRegistrationMode(row.mode)) return { mode: 'open', updatedAt: null, updatedBy: null };
    return { mode: row.mode, updatedAt: row.updated_at, updatedBy: row.updated_by };
  }

  async saveMode(
    trx: Transaction<SiteDatabase>,
    siteCode: string,
    mode: RegistrationMode,
    at: string,
    actor: string,
  ): Promise<void> {
    await trx.deleteFrom('registration_settings').where('site_code', '=', siteCode).execute();
    await trx
      .insertInto('registration_settings')
      .values({ site_code: siteCode, mode, updated_at: at, updated_by: actor })
      .execute();
  }

  async insertToken(trx: Transaction<SiteDatabase>, row: TokenRow): Promise<void> {
    await trx.insertInto('registration_tokens').values(row).execute();
  }

  /** Tokens created at a site, newest first. */
  async tokens(createdUnder: string): Promise<TokenRow[]> {
    return this.db
      .selectFrom('registration_tokens')
      .selectAll()
      .where('created_under', '=', createdUnder)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  async token(id: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('registration_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async revoke(trx: Transaction<SiteDatabase>, id: string, at: string): Promise<boolean> {
    const result = await trx
      .updateTable('registration_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * Takes one use of the token with this hash for a registration at `siteCode`, in `trx` (which
   * also inserts the client): one conditional update, so concurrent registrations in several MP
   * processes never use a token more often than allowed. Returns the token id when a use was taken, else why not.
   */
  async use(
    trx: Transaction<SiteDatabase>,
    tokenHash: string,
    siteCode: string,
    now: string,
  ): Promise<{ id: string } | { refused: TokenRefusal }> {
    const result = await trx
      .updateTable('registration_tokens')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where((eb) => eb('uses', '<', eb.ref('max_uses')))
      .where((eb) => eb.or([eb('site_code', 'is', null), eb('site_code', '=', siteCode)]))
      .executeTakeFirst();
    const row = await trx
      .selectFrom('registration_tokens')
      .select(['id', 'revoked_at', 'expires_at', 'uses', 'max_uses', 'site_code'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (result.numUpdatedRows === 1n && row !== undefined) return { id: row.id };
    if (row === undefined) return { refused: 'unknown' };
    if (row.revoked_at !== null) return { refused: 'revoked' };
    if (row.site_code !== null && row.site_code !== siteCode) return { refused: 'other-site' };
    if (row.expires_at <= now) return { refused: 'expired' };
    return { refused: 'used-up' };
  }
}
