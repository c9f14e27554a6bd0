import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';

/** One audit record: who changed what, from what to what, and how it ended. */
export interface AuditEntry {
  seq?: number;
  at: string;
  actor: string;
  siteCode: string | null;
  action: string;
  oldValue: unknown;
  newValue: unknown;
  outcome: string;
}

/** The append-only audit log of settings changes. */
export class AuditRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async append(trx: Transaction<SiteDatabase> | Kysely<SiteDatabase>, entry: AuditEntry): Promise<void> {
    await trx
      .insertInto('audit_log')
      .values({
        at: entry.at,
        actor: entry.actor,
        site_code: entry.siteCode,
        action: entry.action,
        old_value: entry.oldValue === undefined ? null : JSON.stringify(entry.oldValue),
        new_value: entry.newValue === undefined ? null : JSON.stringify(entry.newValue),
        outcome: entry.outcome,
      })
      .execute();
  }

  /** The newest entries; `siteCodes` limits them to those sites (entries of no site are left out then). */
  async list(filter: { siteCode?: string; siteCodes?: readonly string[]; limit: number }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(filter.limit);
    if (filter.siteCode !== undefined) query = query.where('site_code', '=', filter.siteCode);
    if (filter.siteCodes !== undefined)
      query = query.where('site_code', 'in', filter.siteCodes.length === 0 ? [''] : [...filter.siteCodes]);
    const rows = await query.execute();
    return rows.map((row) => ({
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      siteCode: row.site_code,
      action: row.action,
      oldValue: row.old_value === null ? null : (JSON.parse(row.old_value) as unknown),
      newValue: row.new_value === null ? null : (JSON.parse(row.new_value) as unknown),
      outcome: row.outcome,
    }));
  }
}
