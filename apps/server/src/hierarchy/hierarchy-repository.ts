import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { SecondaryStatus } from '@siteport/protocol';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A secondary site attached to a primary on this server. */
export interface SecondaryRecord {
  code: string;
  parentCode: string;
  adminUrl: string;
  caFingerprint: string;
  registeredAt: string;
  lastSeenAt: string;
  syncedVersion: number;
  status: SecondaryStatus | null;
}

/** A peer primary site (without its token, which lives in {@link PeerTokens}). */
export interface PeerPrimaryRecord {
  siteCode: string;
  url: string;
  caCertificate: string | null;
  addedAt: string;
  addedBy: string;
}

/** Secondaries of this server's primary site and the peer primaries it knows. */
export class HierarchyRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async secondaries(parentCode?: string): Promise<SecondaryRecord[]> {
    let query = this.db.selectFrom('secondary_sites').selectAll().orderBy('code');
    if (parentCode !== undefined) query = query.where('parent_code', '=', parentCode);
    return (await query.execute()).map((r) => ({
      code: r.code,
      parentCode: r.parent_code,
      adminUrl: r.admin_url,
      caFingerprint: r.ca_fingerprint,
      registeredAt: r.registered_at,
      lastSeenAt: r.last_seen_at,
      syncedVersion: r.synced_version,
      status: r.status === '' ? null : (JSON.parse(r.status) as SecondaryStatus),
    }));
  }

  async upsertSecondary(db: Db, s: SecondaryRecord): Promise<void> {
    const values = {
      code: s.code,
      parent_code: s.parentCode,
      admin_url: s.adminUrl,
      ca_fingerprint: s.caFingerprint,
      registered_at: s.registeredAt,
      last_seen_at: s.lastSeenAt,
      synced_version: s.syncedVersion,
      status: s.status === null ? '' : JSON.stringify(s.status),
    };
    await db
      .insertInto('secondary_sites')
      .values(values)
      .onConflict((oc) => oc.column('code').doUpdateSet({ ...values, registered_at: s.registeredAt }))
      .execute();
  }

  /** Records a secondary's sync call; false when it is not registered (it must register again). */
  async touchSecondary(code: string, at: string, status: SecondaryStatus): Promise<boolean> {
    const result = await this.db
      .updateTable('secondary_sites')
      .set({ last_seen_at: at, synced_version: status.syncedVersion, status: JSON.stringify(status) })
      .where('code', '=', code)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async peers(): Promise<PeerPrimaryRecord[]> {
    const rows = await this.db.selectFrom('peer_primaries').selectAll().orderBy('site_code').execute();
    return rows.map((r) => ({
      siteCode: r.site_code,
      url: r.url,
      caCertificate: r.ca_certificate,
      addedAt: r.added_at,
      addedBy: r.added_by,
    }));
  }

  async upsertPeer(db: Db, p: PeerPrimaryRecord): Promise<void> {
    const values = {
      site_code: p.siteCode,
      url: p.url,
      ca_certificate: p.caCertificate,
      added_at: p.addedAt,
      added_by: p.addedBy,
    };
    await db
      .insertInto('peer_primaries')
      .values(values)
      .onConflict((oc) => oc.column('site_code').doUpdateSet(values))
      .execute();
  }

  async removePeer(db: Db, siteCode: string): Promise<boolean> {
    const result = await db.deleteFrom('peer_primaries').where('site_code', '=', siteCode).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }
}
