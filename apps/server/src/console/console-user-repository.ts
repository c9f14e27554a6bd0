import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import type { ConsoleRole } from '@siteport/protocol';

/** A stored console account. */
export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
  /** The sites the account is limited to; null for every site. */
  sites: string[] | null;
  passwordHash: string;
  createdAt: string;
  createdBy: string;
  /** When an administrator disabled the account; null while it may sign in. */
  disabledAt: string | null;
}

/** A stored session, looked up by the SHA-256 of its cookie value. */
export interface ConsoleSession {
  idHash: string;
  userName: string;
  role: ConsoleRole;
  sites: string[] | null;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

type Db = Kysely<SiteDatabase> | Transaction<SiteDatabase>;

const sitesOf = (text: string | null): string[] | null => (text === null ? null : (JSON.parse(text) as string[]));
const sitesText = (sites: string[] | null): string | null => (sites === null ? null : JSON.stringify(sites));

function toUser(row: SiteDatabase['console_users']): ConsoleUser {
  return {
    name: row.name,
    role: row.role,
    sites: sitesOf(row.sites),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    disabledAt: row.disabled_at,
  };
}

/** Console accounts and sessions in the site database. */
export class ConsoleUserRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('console_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Enabled administrators with every site: the accounts that can still manage accounts. */
  async countFullAdministrators(trx: Db): Promise<number> {
    const row = await trx
      .selectFrom('console_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'administrator')
      .where('sites', 'is', null)
      .where('disabled_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(name: string, trx: Db = this.db): Promise<ConsoleUser | undefined> {
    const row = await trx.selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toUser(row);
  }

  async list(): Promise<ConsoleUser[]> {
    return (await this.db.selectFrom('console_users').selectAll().orderBy('name').execute()).map(toUser);
  }

  /** Inserts an account; false when the name is taken (the insert is the check, so two callers cannot both win). */
  async insert(user: Omit<ConsoleUser, 'disabledAt'>): Promise<boolean> {
    const result = await this.db
      .insertInto('console_users')
      .values({
        name: user.name,
        role: user.role,
        sites: sitesText(user.sites),
        password_hash: user.passwordHash,
        created_at: user.createdAt,
        created_by: user.createdBy,
        disabled_at: null,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async update(
    trx: Db,
    name: string,
    change: { role?: ConsoleRole; sites?: string[] | null; disabledAt?: string | null; passwordHash?: string },
  ): Promise<void> {
    await trx
      .updateTable('console_users')
      .set({
        ...(change.role === undefined ? {} : { role: change.role }),
        ...(change.sites === undefined ? {} : { sites: sitesText(change.sites) }),
        ...(change.disabledAt === undefined ? {} : { disabled_at: change.disabledAt }),
        ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
      })
      .where('name', '=', name)
      .execute();
  }

  async delete(trx: Db, name: string): Promise<void> {
    await this.deleteSessionsOf(trx, name);
    await trx.deleteFrom('console_users').where('name', '=', name).execute();
  }

  /** Ends every session of a user, or every one but `keep`. */
  async deleteSessionsOf(trx: Db, name: string, keep?: string): Promise<void> {
    let query = trx.deleteFrom('console_sessions').where('user_name', '=', name);
    if (keep !== undefined) query = query.where('id_hash', '!=', keep);
    await query.execute();
  }

  async insertSession(session: Omit<ConsoleSession, 'role' | 'sites'>): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        user_name: session.userName,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  /** A session that has not expired at `now` of an enabled account, with the account's current role and sites. */
  async findSession(idHash: string, now: string): Promise<ConsoleSession | undefined> {
    const row = await this.db
      .selectFrom('console_sessions')
      .innerJoin('console_users', 'console_users.name', 'console_sessions.user_name')
      .select(['id_hash', 'user_name', 'csrf_token', 'console_sessions.created_at', 'expires_at', 'role', 'sites'])
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return (
      row && {
        idHash: row.id_hash,
        userName: row.user_name,
        role: row.role,
        sites: sitesOf(row.sites),
        csrfToken: row.csrf_token,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
  }
}
