import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, SiteDatabase } from '@siteport/db';
import { type AdminRole, type CreatedToken, SiteportError, type TokenView } from '@siteport/protocol';
import type { BootstrapToken } from './admin-token.js';
import type { AuditRepository } from '../site/index.js';
import type { ApiTokenRecord, ApiTokenRepository } from './api-token-repository.js';

/** `spt_<16 hex id>_<43 base64url secret>`: the id finds the row, the secret proves possession. */
const TOKEN_PATTERN = /^spt_([0-9a-f]{16})_([\w-]{43})$/;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Who an API token is, once its secret checked out. */
export interface TokenIdentity {
  id: string;
  name: string;
  role: AdminRole;
  sites: string[] | null;
}

/** What a new token is made of. */
export interface NewToken {
  name: string;
  role: AdminRole;
  sites: string[] | null;
  expiresAt: string | null;
}

/** The identity of the bootstrap token in `<data dir>/admin-token`. */
const BOOTSTRAP_IDENTITY: TokenIdentity = Object.freeze({
  id: 'bootstrap',
  name: 'admin',
  role: 'administrator',
  sites: null,
});

/**
 * API tokens of the admin API (decision 0094): named, with a role, an optional site scope and
 * expiry, revocable. Only the SHA-256 of a secret is stored (the secret has 256 random bits, so a
 * slow hash would add nothing); the secret is shown once, in the creation answer. Every request
 * reads the token's row, so a revocation or expiry holds from the next request on.
 */
export class ApiTokens {
  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      repo: ApiTokenRepository;
      audit: AuditRepository;
      bootstrap: BootstrapToken;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private view(record: ApiTokenRecord): TokenView {
    const expired = record.expiresAt !== null && Date.parse(record.expiresAt) <= this.now().getTime();
    return {
      id: record.id,
      name: record.name,
      role: record.role,
      sites: record.sites,
      createdAt: record.createdAt,
      createdBy: record.createdBy,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      revokedBy: record.revokedBy,
      state: record.revokedAt !== null ? 'revoked' : expired ? 'expired' : 'active',
    };
  }

  /** Creates a token (audited); a name in use by an active token is E_TOKEN_EXISTS. */
  create(input: NewToken, actor: string): Promise<CreatedToken> {
    return this.issue(input, actor, false);
  }

  /**
   * Creates a token, revoking the active one of the same name in the same transaction: a secondary
   * that registers again, or a peer added again, gets a fresh link token and the old one stops working.
   */
  replace(input: NewToken, actor: string): Promise<CreatedToken> {
    return this.issue(input, actor, true);
  }

  private async issue(input: NewToken, actor: string, replace: boolean): Promise<CreatedToken> {
    const id = randomBytes(8).toString('hex');
    const secret = `spt_${id}_${randomBytes(32).toString('base64url')}`;
    const at = this.now().toISOString();
    const record: ApiTokenRecord = {
      id,
      ...input,
      secretHash: sha256(secret).toString('hex'),
      createdAt: at,
      createdBy: actor,
      revokedAt: null,
      revokedBy: null,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      const existing = await this.deps.repo.findActiveByName(trx, input.name);
      if (existing !== undefined && !replace) {
        throw new SiteportError(
          'E_TOKEN_EXISTS',
          `an active token named ${input.name} exists already (id ${existing.id}); revoke it first or pick another name`,
          {
            details: { name: input.name, id: existing.id },
          },
        );
      }
      if (existing !== undefined) {
        await this.deps.repo.revoke(trx, existing.id, at, actor);
        await this.deps.audit.append(trx, {
          at,
          actor,
          siteCode: null,
          action: 'token.revoke',
          oldValue: this.view(existing),
          newValue: { replacedBy: id },
          outcome: 'applied',
        });
      }
      await this.deps.repo.insert(trx, record);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: null,
        action: 'token.create',
        oldValue: null,
        newValue: { id, name: input.name, role: input.role, sites: input.sites, expiresAt: input.expiresAt },
        outcome: 'applied',
      });
    });
    return { ...this.view(record), secret };
  }

  async list(): Promise<TokenView[]> {
    return (await this.deps.repo.list()).map((r) => this.view(r));
  }

  /** Revokes a token by id or by the name of an active token (audited); it fails from the next request on. */
  async revoke(ref: string, actor: string): Promise<TokenView> {
    const at = this.now().toISOString();
    return this.deps.db.transaction().execute(async (trx) => {
      const record =
        (/^[0-9a-f]{16}$/.test(ref) ? await this.deps.repo.find(ref) : undefined) ??
        (await this.deps.repo.findActiveByName(trx, ref));
      if (record === undefined)
        throw new SiteportError(
          'E_TOKEN_NOT_FOUND',
          `no token with id or active name ${ref}; see siteport token list`,
          { details: { token: ref } },
        );
      if (record.revokedAt !== null) return this.view(record);
      await this.deps.repo.revoke(trx, record.id, at, actor);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: null,
        action: 'token.revoke',
        oldValue: this.view(record),
        newValue: null,
        outcome: 'applied',
      });
      return this.view({ ...record, revokedAt: at, revokedBy: actor });
    });
  }

  /** Writes a new bootstrap token to `<data dir>/admin-token` (audited); the old one fails from now on. */
  async rotateBootstrap(actor: string): Promise<{ file: string }> {
    await this.deps.bootstrap.rotate();
    await this.deps.audit.append(this.deps.db, {
      at: this.now().toISOString(),
      actor,
      siteCode: null,
      action: 'token.rotate-bootstrap',
      oldValue: null,
      newValue: { file: this.deps.bootstrap.file },
      outcome: 'applied',
    });
    return { file: this.deps.bootstrap.file };
  }

  /** The identity behind a presented bearer token (bootstrap or API token), or E_UNAUTHORIZED saying why it is refused. */
  async authenticate(presented: string): Promise<TokenIdentity> {
    if (this.deps.bootstrap.matches(presented)) return BOOTSTRAP_IDENTITY;
    const match = TOKEN_PATTERN.exec(presented);
    const record = match === null ? undefined : await this.deps.repo.find(match[1] ?? '');
    const expected = Buffer.from(record?.secretHash ?? '0'.repeat(64), 'hex');
    const matches = timingSafeEqual(expected, sha256(presented)) && record !== undefined;
    if (!matches)
      throw new SiteportError(
        'E_UNAUTHORIZED',
        'the bearer token is not valid here; use an API token from siteport token create or the token in <data dir>/admin-token',
      );
    if (record.revokedAt !== null) {
      throw new SiteportError(
        'E_UNAUTHORIZED',
        `token ${record.name} was revoked at ${record.revokedAt}; ask an administrator for a new one`,
        { details: { token: record.id } },
      );
    }
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.now().getTime()) {
      throw new SiteportError(
        'E_UNAUTHORIZED',
        `token ${record.name} expired at ${record.expiresAt}; ask an administrator for a new one`,
        { details: { token: record.id } },
      );
    }
    return { id: record.id, name: record.name, role: record.role, sites: record.sites };
  }
}
