import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import { type ConsoleUserView, SiteportError, type UpdateUserBody } from '@siteport/protocol';
import type { AuditRepository } from '../site/index.js';
import { userView } from './console-accounts.js';
import type { ConsoleSession, ConsoleUser, ConsoleUserRepository } from './console-user-repository.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/** An enabled administrator with every site: the kind of account that can manage the others. */
const isFullAdministrator = (u: Pick<ConsoleUser, 'role' | 'sites' | 'disabledAt'>): boolean =>
  u.role === 'administrator' && u.sites === null && u.disabledAt === null;

/**
 * Console user management (decision 0094): change role and site scope, disable and enable, delete,
 * reset a password (administrators), change one's own password (any signed-in user). Every change
 * is audited with the real actor. Disabling, deleting and a password reset end the account's
 * sessions at once; a role or scope change holds from the next request (sessions read the account).
 * No change may leave the site without an enabled administrator with every site.
 */
export class ConsoleUserAdmin {
  /** Account changes run one after another, so two demotions cannot both pass the last-administrator check. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      users: ConsoleUserRepository;
      audit: AuditRepository;
      now?: () => Date;
    },
  ) {}

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private one<T>(work: (trx: Transaction<SiteDatabase>) => Promise<T>): Promise<T> {
    const run = this.serial.then(() => this.deps.db.transaction().execute(work));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async existing(trx: Transaction<SiteDatabase>, name: string): Promise<ConsoleUser> {
    const user = await this.deps.users.find(name, trx);
    if (user === undefined)
      throw new SiteportError('E_USER_NOT_FOUND', `no console account named ${name}; see siteport console users`, {
        details: { user: name },
      });
    return user;
  }

  /** Refuses a change that takes the last enabled administrator with every site away. */
  private async keepAnAdministrator(
    trx: Transaction<SiteDatabase>,
    before: ConsoleUser,
    after: ConsoleUser | undefined,
    what: string,
  ): Promise<void> {
    if (!isFullAdministrator(before) || (after !== undefined && isFullAdministrator(after))) return;
    if ((await this.deps.users.countFullAdministrators(trx)) > 1) return;
    throw new SiteportError(
      'E_LAST_ADMINISTRATOR',
      `${before.name} is the last enabled administrator with every site and cannot be ${what}; make another account an administrator first`,
      { details: { user: before.name } },
    );
  }

  /** Changes role, site scope and/or the disabled mark of an account. */
  updateUser(name: string, change: UpdateUserBody, actor: string): Promise<ConsoleUserView> {
    return this.one(async (trx) => {
      const before = await this.existing(trx, name);
      const at = this.now();
      const disabledAt =
        change.disabled === undefined ? before.disabledAt : change.disabled ? (before.disabledAt ?? at) : null;
      const after: ConsoleUser = {
        ...before,
        role: change.role ?? before.role,
        sites: change.sites === undefined ? before.sites : change.sites,
        disabledAt,
      };
      await this.keepAnAdministrator(
        trx,
        before,
        after,
        disabledAt !== null ? 'disabled' : 'demoted or limited to some sites',
      );
      await this.deps.users.update(trx, name, { role: after.role, sites: after.sites, disabledAt: after.disabledAt });
      if (after.disabledAt !== null) await this.deps.users.deleteSessionsOf(trx, name);
      const shown = (u: ConsoleUser): Record<string, unknown> => ({
        user: u.name,
        role: u.role,
        sites: u.sites,
        disabled: u.disabledAt !== null,
      });
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: null,
        action: 'console.user.update',
        oldValue: shown(before),
        newValue: shown(after),
        outcome: 'applied',
      });
      return userView(after);
    });
  }

  /** Deletes an account and ends its sessions. */
  deleteUser(name: string, actor: string): Promise<{ deleted: string }> {
    return this.one(async (trx) => {
      const before = await this.existing(trx, name);
      await this.keepAnAdministrator(trx, before, undefined, 'deleted');
      await this.deps.users.delete(trx, name);
      await this.deps.audit.append(trx, {
        at: this.now(),
        actor,
        siteCode: null,
        action: 'console.user.delete',
        oldValue: { user: name, role: before.role, sites: before.sites },
        newValue: null,
        outcome: 'applied',
      });
      return { deleted: name };
    });
  }

  /** An administrator sets a new password for an account; its sessions end. */
  async resetPassword(name: string, password: string, actor: string): Promise<ConsoleUserView> {
    const passwordHash = await hashPassword(password);
    return this.one(async (trx) => {
      const user = await this.existing(trx, name);
      await this.deps.users.update(trx, name, { passwordHash });
      await this.deps.users.deleteSessionsOf(trx, name);
      await this.deps.audit.append(trx, {
        at: this.now(),
        actor,
        siteCode: null,
        action: 'console.user.password-reset',
        oldValue: null,
        newValue: { user: name },
        outcome: 'applied',
      });
      return userView(user);
    });
  }

  /** A signed-in user changes its own password, proving the current one; its other sessions end. */
  async changeOwnPassword(session: ConsoleSession, current: string, next: string): Promise<{ changed: true }> {
    const user = await this.deps.users.find(session.userName);
    if (user === undefined || !(await verifyPassword(current, user.passwordHash))) {
      throw new SiteportError(
        'E_CURRENT_PASSWORD',
        'the current password is wrong; type the password you signed in with',
      );
    }
    const passwordHash = await hashPassword(next);
    return this.one(async (trx) => {
      await this.existing(trx, session.userName);
      await this.deps.users.update(trx, session.userName, { passwordHash });
      await this.deps.users.deleteSessionsOf(trx, session.userName, session.idHash);
      await this.deps.audit.append(trx, {
        at: this.now(),
        actor: `user:${session.userName}`,
        siteCode: null,
        action: 'console.user.password-change',
        oldValue: null,
        newValue: { user: session.userName },
        outcome: 'applied',
      });
      return { changed: true as const };
    });
  }
}
