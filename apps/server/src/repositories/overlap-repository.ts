import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';

/** An old request port an MP keeps serving until `until` (ISO time). */
export interface PortOverlap {
  protocol: 'http' | 'https';
  port: number;
  until: string;
}

/** Old request ports kept open after a change so that polling clients can move. */
export class OverlapRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async list(siteCode: string): Promise<PortOverlap[]> {
    const rows = await this.db
      .selectFrom('port_overlaps')
      .select(['protocol', 'port', 'until'])
      .where('site_code', '=', siteCode)
      .orderBy('until')
      .execute();
    return rows;
  }

  /** Records overlaps; a port already overlapping gets the later deadline. */
  async upsert(trx: Transaction<SiteDatabase>, siteCode: string, overlaps: readonly PortOverlap[]): Promise<void> {
    for (const overlap of overlaps) {
      await trx
        .insertInto('port_overlaps')
        .values({ site_code: siteCode, ...overlap })
        .onConflict((oc) => oc.columns(['site_code', 'protocol', 'port']).doUpdateSet({ until: overlap.until }))
        .execute();
    }
  }

  /** Removes overlaps for ports that are current again (a change back). */
  async removePorts(trx: Transaction<SiteDatabase>, siteCode: string, keys: readonly { protocol: 'http' | 'https'; port: number }[]): Promise<void> {
    for (const key of keys) {
      await trx
        .deleteFrom('port_overlaps')
        .where('site_code', '=', siteCode)
        .where('protocol', '=', key.protocol)
        .where('port', '=', key.port)
        .execute();
    }
  }

  async removeExpired(siteCode: string, now: string): Promise<number> {
    const result = await this.db.deleteFrom('port_overlaps').where('site_code', '=', siteCode).where('until', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
