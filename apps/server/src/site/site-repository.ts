import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { CommunicationMode, PortItem, PortSettings } from '@siteport/protocol';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A site row. */
export interface SiteRecord {
  code: string;
  name: string;
  kind: 'primary' | 'secondary';
  parentCode: string | null;
  policyIntervalSeconds: number;
  activeWindowSeconds: number;
  createdAt: string;
}

/** A site's port settings as stored, with the version every change increments. */
export interface StoredPorts {
  siteCode: string;
  settings: PortSettings;
  communicationMode: CommunicationMode;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

/** Reads and writes sites and their port settings. */
export class SiteRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async find(code: string): Promise<SiteRecord | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('code', '=', code).executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          code: row.code,
          name: row.name,
          kind: row.kind,
          parentCode: row.parent_code,
          policyIntervalSeconds: row.policy_interval_seconds,
          activeWindowSeconds: row.active_window_seconds,
          createdAt: row.created_at,
        };
  }

  async listCodes(): Promise<string[]> {
    const rows = await this.db.selectFrom('sites').select('code').orderBy('code').execute();
    return rows.map((row) => row.code);
  }

  /** Creates a site and its first port settings (version 1) in one transaction. */
  async create(site: SiteRecord, ports: Omit<StoredPorts, 'version' | 'siteCode'>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sites')
        .values({
          code: site.code,
          name: site.name,
          kind: site.kind,
          parent_code: site.parentCode,
          policy_interval_seconds: site.policyIntervalSeconds,
          active_window_seconds: site.activeWindowSeconds,
          created_at: site.createdAt,
        })
        .execute();
      await trx
        .insertInto('port_settings')
        .values({
          site_code: site.code,
          version: 1,
          ...portColumns(ports.settings, ports.communicationMode),
          updated_at: ports.updatedAt,
          updated_by: ports.updatedBy,
        })
        .execute();
    });
  }

  async ports(code: string, db: Db = this.db): Promise<StoredPorts | undefined> {
    const row = await db.selectFrom('port_settings').selectAll().where('site_code', '=', code).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      siteCode: row.site_code,
      settings: {
        http: { default: row.http_default, alternate: row.http_alternate },
        https: { default: row.https_default, alternate: row.https_alternate },
        notification: row.notification,
        wake: row.wake,
        customWebSite: row.custom_web_site === 1,
        descriptions: JSON.parse(row.descriptions) as Record<PortItem, string>,
      },
      communicationMode: row.communication_mode as CommunicationMode,
      version: row.version,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  /**
   * Replaces a site's port settings if the stored version is still `expectedVersion`.
   * Returns false (and writes nothing) when another change got there first.
   */
  async replacePorts(trx: Transaction<SiteDatabase>, next: StoredPorts, expectedVersion: number): Promise<boolean> {
    const result = await trx
      .updateTable('port_settings')
      .set({
        ...portColumns(next.settings, next.communicationMode),
        version: next.version,
        updated_at: next.updatedAt,
        updated_by: next.updatedBy,
      })
      .where('site_code', '=', next.siteCode)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

function portColumns(settings: PortSettings, mode: CommunicationMode) {
  return {
    http_default: settings.http.default,
    http_alternate: settings.http.alternate,
    https_default: settings.https.default,
    https_alternate: settings.https.alternate,
    notification: settings.notification,
    wake: settings.wake,
    custom_web_site: settings.customWebSite ? 1 : 0,
    communication_mode: mode,
    descriptions: JSON.stringify(settings.descriptions),
  };
}
