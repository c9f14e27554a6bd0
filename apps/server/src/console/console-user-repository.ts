import type { Kysely, SiteDatabase } from '@siteport/db';
import type { ConsoleRole } from '@siteport/protocol';

/** A stored console account. */
export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
  passwordHash: string;
  createdAt: string;
  createdBy: string;
}

/** A stored session, looked up by the SHA-256 of its cookie value. */
export interface ConsoleSession {
  idHash: string;
  userName: string;
  role: ConsoleRole;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** Console accounts and sessions in the site database. */
export class ConsoleUserRepository {
  constructor(private readonly db: Kysely<SiteDatabase>) {}

  async count(): Promise<number> {
    const row = await this.db.selectFrom('console_users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(name: string): Promise<ConsoleUser | undefined> {
    const row = await this.db.selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, role: row.role, passwordHash: row.password_hash, createdAt: row.created_at, createdBy: row.created_by };
  }

  async list(): Promise<ConsoleUser[]> {
    const rows = await this.db.selectFrom('console_users').selectAll().orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, role: row.role, passwordHash: row.password_hash, createdAt: row.created_at, createdBy: row.created_by }));
  }

  /** Inserts an account; false when the name is taken (the insert is the check, so two callers cannot both win). */
  async insert(user: ConsoleUser): Promise<boolean> {
    const result = await this.db
      .insertInto('console_users')
      .values({ name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt, created_by: user.createdBy })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async insertSession(session: Omit<ConsoleSession, 'role'>): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({ id_hash: session.idHash, user_name: session.userName, csrf_token: session.csrfToken, created_at: session.createdAt, expires_at: session.expiresAt })
      .execute();
  }

  /** A session that has not expired at `now`, with its user's current role. */
  async findSession(idHash: string, now: string): Promise<ConsoleSession | undefined> {
    const row = await this.db
      .selectFrom('console_sessions')
      .innerJoin('console_users', 'console_users.name', 'console_sessions.user_name')
      .select(['id_hash', 'user_name', 'csrf_token', 'console_sessions.created_at', 'expires_at', 'role'])
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && { idHash: row.id_hash, userName: row.user_name, role: row.role, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
  }
}
