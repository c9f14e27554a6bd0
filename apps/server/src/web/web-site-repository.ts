import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** The default web site's own ports (used while the MP is on the custom web site SMSWeb). */
export interface DefaultWebSitePorts {
  http: number;
  https: number;
}

/** A registered web application of the default web site. */
export interface WebApplicationRecord {
  name: string;
  path: string;
  content: string | null;
  createdAt: string;
}

/** The default web site's usual ports, assumed when a site never recorded where its default web site is. */
export const SEED_DEFAULT_WEB_SITE: Readonly<DefaultWebSitePorts> = Object.freeze({ http: 80, https: 443 });

/** Reads and writes the default web site's bindings and its applications. */
export class WebSiteRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async defaultWebSite(siteCode: string, db: Db = this.db): Promise<DefaultWebSitePorts | undefined> {
    const row = await db.selectFrom('web_sites').selectAll().where('site_code', '=', siteCode).executeTakeFirst();
    return row === undefined ? undefined : { http: row.default_http, https: row.default_https };
  }

  async setDefaultWebSite(db: Db, siteCode: string, ports: DefaultWebSitePorts, at: string): Promise<void> {
    await db
      .insertInto('web_sites')
      .values({ site_code: siteCode, default_http: ports.http, default_https: ports.https, updated_at: at })
      .onConflict((oc) =>
        oc.column('site_code').doUpdateSet({ default_http: ports.http, default_https: ports.https, updated_at: at }),
      )
      .execute();
  }

  async applications(siteCode: string): Promise<WebApplicationRecord[]> {
    const rows = await this.db
      .selectFrom('web_applications')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('path')
      .execute();
    return rows.map((r) => ({ name: r.name, path: r.path, content: r.content, createdAt: r.created_at }));
  }

  async addApplication(db: Db, siteCode: string, app: WebApplicationRecord): Promise<void> {
    await db
      .insertInto('web_applications')
      .values({ site_code: siteCode, name: app.name, path: app.path, content: app.content, created_at: app.createdAt })
      .execute();
  }

  async removeApplication(db: Db, siteCode: string, name: string): Promise<boolean> {
    const result = await db
      .deleteFrom('web_applications')
      .where('site_code', '=', siteCode)
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows === 1n;
  }
}
