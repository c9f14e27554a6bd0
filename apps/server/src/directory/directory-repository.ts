import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A site's stored directory settings. The bind password is sealed (`bindSecret`) and stays inside the server. */
export interface StoredDirectorySettings {
  siteCode: string;
  url: string;
  baseDn: string | null;
  bindDn: string | null;
  /** The bind password sealed by the site's SecretBox, or null (anonymous bind). */
  bindSecret: string | null;
  startTls: boolean;
  /** PEM of the CA(s) to trust; null: the default store. */
  tlsCa: string | null;
  installProperties: string[];
  updatedAt: string;
  updatedBy: string;
}

/** Reads and writes `directory_settings`. */
export class DirectoryRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async find(siteCode: string, db: Db = this.db): Promise<StoredDirectorySettings | undefined> {
    const row = await db
      .selectFrom('directory_settings')
      .selectAll()
      .where('site_code', '=', siteCode)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      siteCode: row.site_code,
      url: row.url,
      baseDn: row.base_dn,
      bindDn: row.bind_dn,
      bindSecret: row.bind_secret,
      startTls: row.start_tls === 1,
      tlsCa: row.tls_ca,
      installProperties: JSON.parse(row.install_properties) as string[],
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  /** Inserts or replaces the settings of a site; the legacy plain-text column is emptied. */
  async save(settings: StoredDirectorySettings, db: Db = this.db): Promise<void> {
    const values = {
      url: settings.url,
      base_dn: settings.baseDn,
      bind_dn: settings.bindDn,
      bind_password: null,
      bind_secret: settings.bindSecret,
      start_tls: settings.startTls ? 1 : 0,
      tls_ca: settings.tlsCa,
      install_properties: JSON.stringify(settings.installProperties),
      updated_at: settings.updatedAt,
      updated_by: settings.updatedBy,
    };
    await db
      .insertInto('directory_settings')
      .values({ site_code: settings.siteCode, ...values })
      .onConflict((oc) => oc.column('site_code').doUpdateSet(values))
      .execute();
  }

  async remove(siteCode: string, db: Db = this.db): Promise<void> {
    await db.deleteFrom('directory_settings').where('site_code', '=', siteCode).execute();
  }

  /** Bind passwords a version before migration 0011 stored in plain text. */
  async plainPasswords(db: Db = this.db): Promise<{ siteCode: string; password: string }[]> {
    const rows = await db
      .selectFrom('directory_settings')
      .select(['site_code', 'bind_password'])
      .where('bind_password', 'is not', null)
      .execute();
    return rows.map((r) => ({ siteCode: r.site_code, password: r.bind_password ?? '' }));
  }

  /** Replaces a plain-text bind password by its sealed form. */
  async sealPassword(siteCode: string, sealed: string, db: Db = this.db): Promise<void> {
    await db
      .updateTable('directory_settings')
      .set({ bind_secret: sealed, bind_password: null })
      .where('site_code', '=', siteCode)
      .execute();
  }
}
