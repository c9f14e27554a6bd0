import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A site's stored directory settings. `bindPassword` stays inside the server. */
export interface StoredDirectorySettings {
  siteCode: string;
  url: string;
  baseDn: string | null;
  bindDn: string | null;
  bindPassword: string | null;
  installProperties: string[];
  updatedAt: string;
  updatedBy: string;
}

/** Reads and writes `directory_settings`. */
export class DirectoryRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async find(siteCode: string, db: Db = this.db): Promise<StoredDirectorySettings | undefined> {
    const row = await db.selectFrom('directory_settings').selectAll().where('site_code', '=', siteCode).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      siteCode: row.site_code,
      url: row.url,
      baseDn: row.base_dn,
      bindDn: row.bind_dn,
      bindPassword: row.bind_password,
      installProperties: JSON.parse(row.install_properties) as string[],
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  /** Inserts or replaces the settings of a site. */
  async save(settings: StoredDirectorySettings, db: Db = this.db): Promise<void> {
    const values = {
      url: settings.url,
      base_dn: settings.baseDn,
      bind_dn: settings.bindDn,
      bind_password: settings.bindPassword,
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
}
