// Over 300 lines: the rows of agent upgrades (release keys, packages, upgrades, selected clients) are read and written together by one service; split by table when one of them grows.
import { type Kysely, type SiteDatabase, type Transaction, sql } from '@siteport/db';
import type { UpgradeOutcome } from '@siteport/protocol';
import type { UpgradeCounts } from './failure-threshold.js';
import type { UpgradeState, UpgradeWave } from './upgrade-state.js';

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

/** A selected client's progress: chosen, offered, or one of the outcomes it reported. */
export type UpgradeClientStatus = 'selected' | 'offered' | UpgradeOutcome;

/** An agent upgrade rollout as stored. */
export interface AgentUpgrade {
  id: string;
  siteCode: string;
  version: string;
  state: UpgradeState;
  /** The wave an upgrade halted in (resume goes back to it). */
  haltedFrom: UpgradeWave | null;
  canaryPercent: number;
  failureThresholdPercent: number;
  autoAdvance: boolean;
  allowDowngrade: boolean;
  reason: string | null;
  createdAt: string;
  createdBy: string;
  endedAt: string | null;
}

/** A registered package without its bytes. */
export interface StoredPackage {
  siteCode: string;
  version: string;
  sha256: string;
  bytes: number;
  signature: string;
  createdAt: string;
  createdBy: string;
}

/** One selected client of an upgrade. */
export interface UpgradeClient {
  clientId: string;
  wave: UpgradeWave;
  status: UpgradeClientStatus;
  fromVersion: string;
  detail: string | null;
  updatedAt: string;
}

type UpgradeRow = SiteDatabase['agent_upgrades'];

function toUpgrade(row: UpgradeRow): AgentUpgrade {
  return {
    id: row.id,
    siteCode: row.site_code,
    version: row.version,
    state: row.state as UpgradeState,
    haltedFrom: row.halted_from as UpgradeWave | null,
    canaryPercent: row.canary_percent,
    failureThresholdPercent: row.failure_threshold_percent,
    autoAdvance: row.auto_advance === 1,
    allowDowngrade: row.allow_downgrade === 1,
    reason: row.reason,
    createdAt: row.created_at,
    createdBy: row.created_by,
    endedAt: row.ended_at,
  };
}

const OPEN: readonly UpgradeState[] = ['pending', 'canary', 'waiting', 'rest', 'halted'];

/** Release keys, packages, upgrades and their selected clients. */
export class UpgradeRepository {
  constructor(readonly db: Kysely<SiteDatabase>) {}

  async releaseKey(siteCode: string): Promise<{ publicKey: string; fingerprint: string } | undefined> {
    const row = await this.db
      .selectFrom('release_keys')
      .selectAll()
      .where('site_code', '=', siteCode)
      .executeTakeFirst();
    return row === undefined ? undefined : { publicKey: row.public_key, fingerprint: row.fingerprint };
  }

  async setReleaseKey(
    trx: Db,
    siteCode: string,
    publicKey: string,
    fingerprint: string,
    at: string,
    by: string,
  ): Promise<void> {
    await trx.deleteFrom('release_keys').where('site_code', '=', siteCode).execute();
    await trx
      .insertInto('release_keys')
      .values({ site_code: siteCode, public_key: publicKey, fingerprint, set_at: at, set_by: by })
      .execute();
  }

  async insertPackage(trx: Db, pkg: StoredPackage, data: Buffer): Promise<void> {
    await trx
      .insertInto('agent_packages')
      .values({
        site_code: pkg.siteCode,
        version: pkg.version,
        sha256: pkg.sha256,
        bytes: pkg.bytes,
        signature: pkg.signature,
        data_base64: data.toString('base64'),
        created_at: pkg.createdAt,
        created_by: pkg.createdBy,
      })
      .execute();
  }

  async packages(siteCode: string): Promise<StoredPackage[]> {
    const rows = await this.db
      .selectFrom('agent_packages')
      .select(['site_code', 'version', 'sha256', 'bytes', 'signature', 'created_at', 'created_by'])
      .where('site_code', '=', siteCode)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      siteCode: r.site_code,
      version: r.version,
      sha256: r.sha256,
      bytes: r.bytes,
      signature: r.signature,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  }

  async findPackage(siteCode: string, version: string): Promise<StoredPackage | undefined> {
    return (await this.packages(siteCode)).find((p) => p.version === version);
  }

  /**
   * Bytes `from` to `to` (exclusive) of a package. Only the base64 characters that hold them are
   * read (whole groups of three bytes), never the whole package: a part request must not cost a
   * read and a decode of up to 64 MiB.
   */
  async packageSlice(siteCode: string, version: string, from: number, to: number): Promise<Buffer | undefined> {
    const start = Math.floor(from / 3) * 3;
    const end = Math.ceil(to / 3) * 3;
    const row = await this.db
      .selectFrom('agent_packages')
      .select(sql<string>`substr(data_base64, ${(start / 3) * 4 + 1}, ${((end - start) / 3) * 4})`.as('slice'))
      .where('site_code', '=', siteCode)
      .where('version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : Buffer.from(row.slice, 'base64').subarray(from - start, to - start);
  }

  async insertUpgrade(trx: Db, u: AgentUpgrade): Promise<void> {
    await trx
      .insertInto('agent_upgrades')
      .values({
        id: u.id,
        site_code: u.siteCode,
        version: u.version,
        state: u.state,
        halted_from: u.haltedFrom,
        canary_percent: u.canaryPercent,
        failure_threshold_percent: u.failureThresholdPercent,
        auto_advance: u.autoAdvance ? 1 : 0,
        allow_downgrade: u.allowDowngrade ? 1 : 0,
        reason: u.reason,
        created_at: u.createdAt,
        created_by: u.createdBy,
        ended_at: u.endedAt,
      })
      .execute();
  }

  async updateUpgrade(
    trx: Db,
    id: string,
    fields: { state: UpgradeState; haltedFrom: UpgradeWave | null; reason: string | null; endedAt: string | null },
  ): Promise<void> {
    await trx
      .updateTable('agent_upgrades')
      .set({ state: fields.state, halted_from: fields.haltedFrom, reason: fields.reason, ended_at: fields.endedAt })
      .where('id', '=', id)
      .execute();
  }

  async findUpgrade(id: string, db: Db = this.db): Promise<AgentUpgrade | undefined> {
    const row = await db.selectFrom('agent_upgrades').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toUpgrade(row);
  }

  async upgrades(siteCode: string, limit = 50): Promise<AgentUpgrade[]> {
    const rows = await this.db
      .selectFrom('agent_upgrades')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toUpgrade);
  }

  /** The site's upgrade that is not over yet, if any (at most one at a time). */
  async openUpgrade(siteCode: string, db: Db = this.db): Promise<AgentUpgrade | undefined> {
    const row = await db
      .selectFrom('agent_upgrades')
      .selectAll()
      .where('site_code', '=', siteCode)
      .where('state', 'in', [...OPEN])
      .executeTakeFirst();
    return row === undefined ? undefined : toUpgrade(row);
  }

  /** The newest upgrade the site rolled back (its upgraded clients are offered a revert). */
  async lastRolledBack(siteCode: string): Promise<AgentUpgrade | undefined> {
    const row = await this.db
      .selectFrom('agent_upgrades')
      .selectAll()
      .where('site_code', '=', siteCode)
      .where('state', '=', 'rolled-back')
      .orderBy('ended_at', 'desc')
      .executeTakeFirst();
    return row === undefined ? undefined : toUpgrade(row);
  }

  /** Active clients of a site with their agent version. */
  async activeClients(trx: Db, siteCode: string): Promise<{ id: string; agentVersion: string }[]> {
    const rows = await trx
      .selectFrom('clients')
      .select(['id', 'agent_version'])
      .where('site_code', '=', siteCode)
      .where('status', '=', 'active')
      .execute();
    return rows.map((r) => ({ id: r.id, agentVersion: r.agent_version }));
  }

  async insertClients(trx: Db, upgradeId: string, clients: readonly Omit<UpgradeClient, 'detail'>[]): Promise<void> {
    for (let i = 0; i < clients.length; i += 500) {
      const batch = clients.slice(i, i + 500);
      if (batch.length === 0) continue;
      await trx
        .insertInto('agent_upgrade_clients')
        .values(
          batch.map((c) => ({
            upgrade_id: upgradeId,
            client_id: c.clientId,
            wave: c.wave,
            status: c.status,
            from_version: c.fromVersion,
            detail: null,
            updated_at: c.updatedAt,
          })),
        )
        .execute();
    }
  }

  async client(upgradeId: string, clientId: string, db: Db = this.db): Promise<UpgradeClient | undefined> {
    const row = await db
      .selectFrom('agent_upgrade_clients')
      .selectAll()
      .where('upgrade_id', '=', upgradeId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          clientId: row.client_id,
          wave: row.wave as UpgradeWave,
          status: row.status as UpgradeClientStatus,
          fromVersion: row.from_version,
          detail: row.detail,
          updatedAt: row.updated_at,
        };
  }

  async setClientStatus(
    trx: Db,
    upgradeId: string,
    clientId: string,
    status: UpgradeClientStatus,
    detail: string | null,
    at: string,
  ): Promise<void> {
    await trx
      .updateTable('agent_upgrade_clients')
      .set({ status, detail, updated_at: at })
      .where('upgrade_id', '=', upgradeId)
      .where('client_id', '=', clientId)
      .execute();
  }

  /** Counts per wave: selected, offered, and each outcome. */
  async counts(
    upgradeId: string,
    db: Db = this.db,
  ): Promise<Record<UpgradeWave, UpgradeCounts & { selected: number }>> {
    const rows = await db
      .selectFrom('agent_upgrade_clients')
      .select(['wave', 'status', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('upgrade_id', '=', upgradeId)
      .groupBy(['wave', 'status'])
      .execute();
    const empty = (): UpgradeCounts & { selected: number } => ({
      selected: 0,
      offered: 0,
      upgraded: 0,
      failed: 0,
      rolledBack: 0,
    });
    const out: Record<UpgradeWave, UpgradeCounts & { selected: number }> = { canary: empty(), rest: empty() };
    for (const row of rows) {
      const c = out[row.wave as UpgradeWave];
      const n = Number(row.n);
      c.selected += n;
      if (row.status !== 'selected') c.offered += n;
      if (row.status === 'upgraded') c.upgraded += n;
      if (row.status === 'failed') c.failed += n;
      if (row.status === 'rolled-back') c.rolledBack += n;
    }
    return out;
  }

  /** Sets a client's reported agent version. */
  async setAgentVersion(trx: Db, clientId: string, version: string): Promise<void> {
    await trx.updateTable('clients').set({ agent_version: version }).where('id', '=', clientId).execute();
  }
}
