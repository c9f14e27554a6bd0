import { createHash, randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Kysely, SiteDatabase } from '@siteport/db';
import { type ConsoleUserView, type CreateUserBody, SiteportError } from '@siteport/protocol';
import { writeFileAtomic } from '@siteport/fs-atomic';
import type { AuthThrottle, SignInLockout } from '../net/index.js';
import type { AuditRepository } from '../site/index.js';
import type { ConsoleSession, ConsoleUser, ConsoleUserRepository } from './console-user-repository.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password-hash.js';

/** File the first administrator's password is written to at first start (mode 0600). */
export const INITIAL_PASSWORD_FILE = 'console-initial-password';
/** Name of the administrator created at first start. */
const INITIAL_ADMINISTRATOR = 'admin';
/** How long a console session lasts after sign-in. */
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

const signInChannel = channel('siteport:console:sign-in');

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A new session: the cookie value goes to the browser, only its hash is stored. */
export interface NewSession {
  cookieValue: string;
  session: ConsoleSession;
}

/** Local console accounts, sign-in and sessions. */
export class ConsoleAccounts {
  private readonly users: ConsoleUserRepository;

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      users: ConsoleUserRepository;
      audit: AuditRepository;
      logger: Logger;
      /** Locks account names and addresses after failed sign-ins (decision 0096). */
      throttle: AuthThrottle;
      now?: () => Date;
    },
  ) {
    this.users = deps.users;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Creates the administrator `admin` when no account exists yet and writes its password to
   * `<dataDir>/console-initial-password` (mode 0600). Returns the file, or undefined when accounts exist.
   */
  async ensureInitialAdministrator(dataDir: string): Promise<string | undefined> {
    if ((await this.users.count()) > 0) return undefined;
    const password = randomBytes(18).toString('base64url');
    const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
    // The file first: an account whose password nobody can read would lock the console out.
    await writeFileAtomic(file, `${password}\n`, 0o600);
    const created = await this.users.insert({
      name: INITIAL_ADMINISTRATOR,
      role: 'administrator',
      sites: null,
      passwordHash: await hashPassword(password),
      createdAt: this.now().toISOString(),
      createdBy: 'first-start',
    });
    if (!created) return undefined;
    await this.deps.audit.append(this.deps.db, {
      at: this.now().toISOString(),
      actor: 'first-start',
      siteCode: null,
      action: 'console.user.create',
      oldValue: null,
      newValue: { user: INITIAL_ADMINISTRATOR, role: 'administrator' },
      outcome: 'applied',
    });
    this.deps.logger.info(
      { user: INITIAL_ADMINISTRATOR, file },
      'console administrator created; its password is in the file',
    );
    return file;
  }

  /**
   * Checks a user name and password from a source address; on success opens a session. Wrong name
   * and wrong password fail alike. A locked name or address is refused (E_SIGN_IN_LOCKED) before
   * any password is checked; a full hashing line is E_PASSWORD_BUSY.
   */
  async signIn(name: string, password: string, source: string | undefined): Promise<NewSession> {
    const attempt = this.deps.throttle.beginSignIn(name, source);
    let user: ConsoleUser | undefined;
    let ok: boolean;
    try {
      user = await this.users.find(name);
      ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE()));
    } catch (error) {
      attempt.abandoned();
      throw error;
    }
    if (user === undefined || !ok || user.disabledAt !== null) {
      const lockouts = attempt.failed();
      if (signInChannel.hasSubscribers) signInChannel.publish({ user: name, ok: false });
      this.deps.logger.warn({ user: name, source }, 'console sign-in refused');
      await this.auditLockouts(name, source, lockouts);
      throw new SiteportError(
        'E_SIGN_IN',
        'wrong user name or password; the first administrator is "admin" with the password in <data dir>/console-initial-password',
      );
    }
    attempt.succeeded();
    const now = this.now();
    const cookieValue = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      idHash: sha256(cookieValue),
      userName: user.name,
      role: user.role,
      sites: user.sites,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
    };
    await this.users.deleteExpired(now.toISOString());
    await this.users.insertSession(session);
    if (signInChannel.hasSubscribers) signInChannel.publish({ user: name, ok: true });
    this.deps.logger.info({ user: name }, 'console sign-in');
    return { cookieValue, session };
  }

  /** An account name's lock is audited (an address's is only logged: it names no account). */
  private async auditLockouts(name: string, source: string | undefined, lockouts: SignInLockout[]): Promise<void> {
    for (const lock of lockouts.filter((l) => l.scope === 'account')) {
      await this.deps.audit.append(this.deps.db, {
        at: this.now().toISOString(),
        actor: 'anonymous',
        siteCode: null,
        action: 'console.sign-in.lockout',
        oldValue: null,
        newValue: { user: name, source: source ?? null, failures: lock.failures, until: lock.until.toISOString() },
        outcome: 'locked',
      });
    }
  }

  /** The live session a cookie value belongs to, if any. */
  session(cookieValue: string): Promise<ConsoleSession | undefined> {
    return this.users.findSession(sha256(cookieValue), this.now().toISOString());
  }

  async signOut(session: ConsoleSession): Promise<void> {
    await this.users.deleteSession(session.idHash);
  }

  /** Creates a local account (audited); a taken name is E_USER_EXISTS. */
  async createUser(input: CreateUserBody, actor: string): Promise<ConsoleUserView> {
    const createdAt = this.now().toISOString();
    const sites = input.sites ?? null;
    const inserted = await this.users.insert({
      name: input.user,
      role: input.role,
      sites,
      passwordHash: await hashPassword(input.password),
      createdAt,
      createdBy: actor,
    });
    if (!inserted)
      throw new SiteportError(
        'E_USER_EXISTS',
        `a console account named ${input.user} exists already; pick another name`,
        { details: { user: input.user } },
      );
    await this.deps.audit.append(this.deps.db, {
      at: createdAt,
      actor,
      siteCode: null,
      action: 'console.user.create',
      oldValue: null,
      newValue: { user: input.user, role: input.role, sites },
      outcome: 'applied',
    });
    return { user: input.user, role: input.role, sites, disabled: false, createdAt, createdBy: actor };
  }

  async list(): Promise<ConsoleUserView[]> {
    return (await this.users.list()).map(userView);
  }
}

/** An account as the admin API shows it (never its password hash). */
export function userView(u: ConsoleUser): ConsoleUserView {
  return {
    user: u.name,
    role: u.role,
    sites: u.sites,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt,
    createdBy: u.createdBy,
  };
}
