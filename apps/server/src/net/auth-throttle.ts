import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { SiteportError } from '@siteport/protocol';
import { type AttemptOutcome, FailureBudget, type FailureBudgetLimits, type Lockout } from './failure-budget.js';

/** How many failures the admin listener forgives, and for how long it locks after them. */
export interface AuthThrottleLimits {
  /** `--sign-in-failures`: wrong passwords for one account name before the name is locked. @default 5 */
  readonly accountFailures: number;
  /** `--source-failures`: failed sign-ins, and separately wrong bearer tokens, from one address before it is blocked. @default 20 */
  readonly sourceFailures: number;
  /** `--lockout`: seconds a locked name or blocked address waits; failures are forgotten this long after the last one. @default 900 */
  readonly lockoutSeconds: number;
}

/** The defaults of {@link AuthThrottleLimits}. */
export const DEFAULT_AUTH_THROTTLE: AuthThrottleLimits = Object.freeze({
  accountFailures: 5,
  sourceFailures: 20,
  lockoutSeconds: 900,
});

/** Names and addresses remembered per table at most (about 100 bytes each). */
const MAX_KEYS = 10_000;

/** A lock one failed sign-in has just started: of the account name, or of the source address. */
export interface SignInLockout extends Lockout {
  scope: 'account' | 'address';
}

/** One sign-in attempt admitted by {@link AuthThrottle.beginSignIn}; settle it exactly once. */
export interface SignInAttempt {
  /** The password was wrong or the name unknown; returns the locks this failure started. */
  failed(): SignInLockout[];
  /** The password was right: the account name's failures are forgotten (the address's are not). */
  succeeded(): void;
  /** The attempt ended without a verdict (the server was busy, the database failed). */
  abandoned(): void;
}

/** One bearer-token attempt admitted by {@link AuthThrottle.beginToken}; settle it exactly once. */
export interface TokenAttempt {
  settle(outcome: 'failure' | 'none'): void;
}

/**
 * The key a source address is counted under: an IPv4 address as it is (also when mapped into
 * IPv6), an IPv6 address by its /64 prefix, because one host usually holds a whole /64.
 */
export function sourceKey(address: string | undefined): string {
  const plain = (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(plain)) return plain;
  const [head = '', tail = ''] = plain.toLowerCase().split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === '' ? [] : tail.split(':');
  const groups = plain.includes('::')
    ? [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back]
    : front;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Throttles guessing on the admin listener (decision 0096): console sign-ins per account name and
 * per source address, and wrong bearer tokens per source address. A key that used up its budget
 * gets 429 with Retry-After — before any password is checked, so a right password is refused too
 * until the lock ends. State is in memory, bounded, and forgotten at restart.
 */
export class AuthThrottle {
  private readonly accounts: FailureBudget;
  private readonly signInSources: FailureBudget;
  private readonly tokenSources: FailureBudget;

  constructor(private readonly deps: { limits: AuthThrottleLimits; logger: Logger; now?: () => number }) {
    const lockoutMs = deps.limits.lockoutSeconds * 1000;
    const budget = (failures: number, inFlight: FailureBudgetLimits['inFlight']): FailureBudget =>
      new FailureBudget({ failures, lockoutMs, maxKeys: MAX_KEYS, inFlight }, deps.now);
    // Parallel sign-ins are few (the hashing gate admits ten), parallel token checks many: a busy
    // script with the right token must not be refused for its own parallel requests.
    this.accounts = budget(deps.limits.accountFailures, 'always');
    this.signInSources = budget(deps.limits.sourceFailures, 'always');
    this.tokenSources = budget(deps.limits.sourceFailures, 'after-failure');
  }

  /** Admits a sign-in of `user` from `address`, or throws E_SIGN_IN_LOCKED. */
  beginSignIn(user: string, address: string | undefined): SignInAttempt {
    const source = sourceKey(address);
    const accountWait = this.accounts.tryReserve(user);
    if (accountWait > 0) throw locked(`too many failed sign-ins for the account ${user}`, accountWait, 'account');
    const sourceWait = this.signInSources.tryReserve(source);
    if (sourceWait > 0) {
      this.accounts.settle(user, 'none');
      throw locked(`too many failed sign-ins from ${source}`, sourceWait, 'address');
    }
    let settled = false;
    const settle = (account: AttemptOutcome, address: AttemptOutcome): SignInLockout[] => {
      if (settled) return [];
      settled = true;
      const byAccount = this.accounts.settle(user, account);
      const byAddress = this.signInSources.settle(source, address);
      const started: SignInLockout[] = [
        ...(byAccount === undefined ? [] : [{ ...byAccount, scope: 'account' as const }]),
        ...(byAddress === undefined ? [] : [{ ...byAddress, scope: 'address' as const }]),
      ];
      for (const lock of started) {
        this.deps.logger.warn(
          {
            [lock.scope === 'account' ? 'user' : 'source']: lock.key,
            failures: lock.failures,
            until: lock.until.toISOString(),
          },
          `console sign-in locked for this ${lock.scope}`,
        );
      }
      return started;
    };
    return {
      failed: () => settle('failure', 'failure'),
      // A success must not refill the address's budget: an attacker with one account would reset it between guesses.
      succeeded: () => void settle('success', 'none'),
      abandoned: () => void settle('none', 'none'),
    };
  }

  /** Admits a bearer-token attempt from `address`, or throws E_TOKEN_BLOCKED. */
  beginToken(address: string | undefined): TokenAttempt {
    const source = sourceKey(address);
    const wait = this.tokenSources.tryReserve(source);
    if (wait > 0) {
      throw new SiteportError(
        'E_TOKEN_BLOCKED',
        `too many wrong bearer tokens from ${source}; its wrong tokens are refused for ${seconds(wait)} more seconds. Check the token (<data dir>/admin-token) before retrying`,
        { details: { retryAfterSeconds: seconds(wait) } },
      );
    }
    let settled = false;
    return {
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        const lock = this.tokenSources.settle(source, outcome);
        if (lock !== undefined)
          this.deps.logger.warn(
            { source, failures: lock.failures, until: lock.until.toISOString() },
            'admin address blocked after wrong bearer tokens',
          );
      },
    };
  }
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function locked(what: string, waitMs: number, scope: SignInLockout['scope']): SiteportError {
  return new SiteportError(
    'E_SIGN_IN_LOCKED',
    `${what}; sign-in is refused, even with the right password, for ${seconds(waitMs)} more seconds. Retry then, or use the admin token`,
    { details: { retryAfterSeconds: seconds(waitMs), scope } },
  );
}
