import { type Kysely, type SiteDatabase, type Transaction, sql } from '@siteport/db';
import type { ClientCategory, ClientStatus } from '@siteport/protocol';

/** A registered client as stored. */
export interface ClientRecord {
  id: string;
  siteCode: string;
  hostname: string;
  publicKey: string;
  keyFingerprint: string;
  category: ClientCategory;
  agentVersion: string;
  registeredAt: string;
  lastContact: { at: string; port: number; protocol: 'http' | 'https'; address: string } | null;
  settingsVersion: number;
  agentState: string;
  stateDir: string | null;
  /** Registration status (decision 0095). */
  status: ClientStatus;
  statusChangedAt: string | null;
}

/** What one client request tells about the client, written in batches. */
export interface ContactUpdate {
  id: string;
  at: string;
  port: number;
  protocol: 'http' | 'https';
  address: string;
  settingsVersion?: number;
  agentState?: string;
  hostname?: string;
  stateDir?: string;
  /** The agent version a heartbeat reports (decision 0111). */
  agentVersion?: string;
}

type Row = Awaited<ReturnType<ClientRepository['rowById']>>;

/** A clients row as a record (the clients list reads rows of its own). */
export function toRecord(row: NonNullable<Row>): ClientRecord {
  return {
    id: row.id,
    siteCode: row.site_code,
    hostname: row.hostname,
    publicKey: row.public_key,
    keyFingerprint: row.key_fingerprint,
    category: row.category as ClientCategory,
    agentVersion: row.agent_version,
    registeredAt: row.registered_at,
    lastContact:
      row.last_contact_at === null || row.last_port === null || row.last_protocol === null
        ? null
        : {
            at: row.last_contact_at,
            port: row.last_port,
            protocol: row.last_protocol,
            address: row.last_address ?? '',
          },
    settingsVersion: row.settings_version,
    agentState: row.agent_state,
    stateDir: row.state_dir,
    status: row.status as ClientStatus,
    statusChangedAt: row.status_changed_at,
  };
}

/** Registered clients and their last contact. */
export class ClientRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  private rowById(id: string) {
    return this.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findById(id: string): Promise<ClientRecord | undefined> {
    const row = await this.rowById(id);
    return row === undefined ? undefined : toRecord(row);
  }

  async findByKeyFingerprint(fingerprint: string): Promise<ClientRecord | undefined> {
    const row = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('key_fingerprint', '=', fingerprint)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Inserts a new client; `trx` when it must commit with a registration token's use. */
  async insert(client: ClientRecord, trx: Transaction<SiteDatabase> | Kysely<SiteDatabase> = this.db): Promise<void> {
    await trx
      .insertInto('clients')
      .values({
        id: client.id,
        site_code: client.siteCode,
        hostname: client.hostname,
        public_key: client.publicKey,
        key_fingerprint: client.keyFingerprint,
        category: client.category,
        agent_version: client.agentVersion,
        registered_at: client.registeredAt,
        last_contact_at: null,
        last_port: null,
        last_protocol: null,
        last_address: null,
        settings_version: client.settingsVersion,
        agent_state: client.agentState,
        state_dir: client.stateDir,
        status: client.status,
        status_changed_at: client.statusChangedAt,
      })
      .execute();
  }

  /**
   * Moves a client from one of `from` to `status`; false when it was in none of them (another
   * administrator or process changed it first). One statement, so two processes cannot both win.
   */
  async changeStatus(
    id: string,
    from: readonly ClientStatus[],
    status: ClientStatus,
    at: string,
    trx: Transaction<SiteDatabase> | Kysely<SiteDatabase> = this.db,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('clients')
      .set({ status, status_changed_at: at })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Number of a site's clients per registration status. */
  async countByStatus(siteCode: string): Promise<Record<ClientStatus, number>> {
    const rows = await this.db
      .selectFrom('clients')
      .select(['status', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('site_code', '=', siteCode)
      .groupBy('status')
      .execute();
    const counts: Record<ClientStatus, number> = { active: 0, pending: 0, blocked: 0, retired: 0 };
    for (const row of rows) if (row.status in counts) counts[row.status as ClientStatus] = Number(row.n);
    return counts;
  }

  /** Number of a site's pending clients, counted up to `upTo` (so a full queue costs a bounded read). */
  async countPending(siteCode: string, upTo: number): Promise<number> {
    const row = await this.db
      .selectFrom((db) =>
        db
          .selectFrom('clients')
          .select('id')
          .where('site_code', '=', siteCode)
          .where('status', '=', 'pending')
          .limit(upTo)
          .as('p'),
      )
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Updates what a re-registering client tells about itself. */
  async updateRegistration(
    id: string,
    fields: { hostname: string; category: ClientCategory; agentVersion: string },
  ): Promise<void> {
    await this.db
      .updateTable('clients')
      .set({ hostname: fields.hostname, category: fields.category, agent_version: fields.agentVersion })
      .where('id', '=', id)
      .execute();
  }

  async listBySite(siteCode: string): Promise<ClientRecord[]> {
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('site_code', '=', siteCode)
      .orderBy('hostname')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Applies many contact updates in one transaction: one `UPDATE … FROM` statement per
   * {@link CONTACT_ROWS_PER_STATEMENT} clients, the same SQL on SQLite and PostgreSQL. An optional
   * field left out keeps the stored value; two updates of one client merge, the later winning.
   */
  async recordContacts(updates: readonly ContactUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const merged = mergeById(updates);
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < merged.length; i += CONTACT_ROWS_PER_STATEMENT)
        await contactStatement(merged.slice(i, i + CONTACT_ROWS_PER_STATEMENT)).execute(trx);
    });
  }
}

/**
 * Clients per contact statement. Each row binds 10 parameters, so a statement stays far below
 * PostgreSQL's limit of 65,535 and SQLite's of 32,766 bind parameters.
 */
const CONTACT_ROWS_PER_STATEMENT = 1000;

function mergeById(updates: readonly ContactUpdate[]): ContactUpdate[] {
  const byId = new Map<string, ContactUpdate>();
  for (const u of updates) {
    const previous = byId.get(u.id);
    byId.set(u.id, previous === undefined ? u : { ...previous, ...u });
  }
  return [...byId.values()];
}

/**
 * One statement for a chunk of distinct clients, the same on both dialects (UPDATE … FROM needs
 * SQLite 3.33; better-sqlite3 bundles a later one). On SQLite it costs about what one UPDATE per
 * client costs (0.9–1.4 × as fast in bench/heartbeat-writes.ts), so there is one path. Every value is a bound parameter with an explicit type
 * (PostgreSQL types a VALUES column from its parameters; a NULL needs one too); a NULL optional
 * field keeps the column's value through COALESCE.
 */
function contactStatement(chunk: readonly ContactUpdate[]) {
  const rows = chunk.map(
    (u) => sql`(CAST(${u.id} AS text), CAST(${u.at} AS text), CAST(${u.port} AS integer),
      CAST(${u.protocol} AS text), CAST(${u.address} AS text), CAST(${u.settingsVersion ?? null} AS integer),
      CAST(${u.agentState ?? null} AS text), CAST(${u.hostname ?? null} AS text), CAST(${u.stateDir ?? null} AS text),
      CAST(${u.agentVersion ?? null} AS text))`,
  );
  return sql`WITH v (id, at, port, protocol, address, settings_version, agent_state, hostname, state_dir, agent_version)
    AS (VALUES ${sql.join(rows)})
  UPDATE clients SET
    last_contact_at = v.at,
    last_port = v.port,
    last_protocol = v.protocol,
    last_address = v.address,
    settings_version = COALESCE(v.settings_version, clients.settings_version),
    agent_state = COALESCE(v.agent_state, clients.agent_state),
    hostname = COALESCE(v.hostname, clients.hostname),
    state_dir = COALESCE(v.state_dir, clients.state_dir),
    agent_version = COALESCE(v.agent_version, clients.agent_version)
  FROM v WHERE clients.id = v.id`;
}
