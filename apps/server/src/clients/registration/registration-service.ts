import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type ClientAction,
  type ClientActionBody,
  type ClientActionResult,
  type ClientStatus,
  MAX_TOKEN_SECONDS,
  REGISTRATION_TOKEN_PREFIX,
  type RegistrationChangeBody,
  type RegistrationView,
  SiteportError,
  type RegistrationTokenCreateBody,
  type RegistrationTokenCreated,
  type RegistrationTokenList,
  type RegistrationTokenView,
} from '@siteport/protocol';
import type { AuditRepository, SiteEvents } from '../../site/index.js';
import type { ClientRepository } from '../client-repository.js';
import { registrationTokenHash } from '../client-service.js';
import type { RegistrationRepository, TokenRow } from './registration-repository.js';

/** Default lifetime of a registration token: 7 days. */
const DEFAULT_TOKEN_SECONDS = 7 * 86_400;

/** Which statuses each client action starts from, and where it leads. */
const TRANSITIONS: Record<ClientAction, { from: readonly ClientStatus[]; to: ClientStatus }> = {
  approve: { from: ['pending'], to: 'active' },
  block: { from: ['active', 'pending'], to: 'blocked' },
  unblock: { from: ['blocked'], to: 'active' },
  retire: { from: ['active', 'pending', 'blocked'], to: 'retired' },
};

/** What {@link RegistrationService} needs. */
export interface RegistrationServiceDeps {
  db: Kysely<SiteDatabase>;
  repo: RegistrationRepository;
  clients: ClientRepository;
  audit: AuditRepository;
  events: SiteEvents;
  /** Throws E_SITE_NOT_FOUND for a site this server does not run. */
  site: (code: string) => Promise<unknown>;
  now?: () => Date;
}

function tokenView(row: TokenRow, now: string): RegistrationTokenView {
  const state =
    row.revoked_at !== null
      ? 'revoked'
      : row.expires_at <= now
        ? 'expired'
        : row.uses >= row.max_uses
          ? 'used-up'
          : 'valid';
  return {
    id: row.id,
    siteCode: row.site_code,
    label: row.label,
    uses: row.uses,
    maxUses: row.max_uses,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    state,
  };
}

/**
 * Who may become a client of a site (decision 0095): the registration mode, registration tokens
 * and the administrator's client actions (approve, block, unblock, retire). Every change is
 * audited with its actor; a client's status change is announced as a site event, on which every
 * MP process drops the client's cached status and, unless it is active again, its session and
 * notification channel.
 */
export class RegistrationService {
  private readonly now: () => Date;

  constructor(private readonly deps: RegistrationServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async view(code: string): Promise<RegistrationView> {
    await this.deps.site(code);
    const settings = await this.deps.repo.settings(code);
    return {
      siteCode: code,
      mode: settings.mode,
      clients: await this.deps.clients.countByStatus(code),
      updatedAt: settings.updatedAt,
      updatedBy: settings.updatedBy,
    };
  }

  /** Sets the site's registration mode; applies to the next registration at every MP. */
  async change(code: string, change: RegistrationChangeBody, actor: string): Promise<RegistrationView> {
    await this.deps.site(code);
    const before = await this.deps.repo.settings(code);
    const at = this.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.saveMode(trx, code, change.mode, at, actor);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: code,
        action: 'registration-mode',
        oldValue: { mode: before.mode },
        newValue: { mode: change.mode },
        outcome: 'applied',
      });
    });
    return this.view(code);
  }

  async tokens(code: string): Promise<RegistrationTokenList> {
    await this.deps.site(code);
    const now = this.now().toISOString();
    return { tokens: (await this.deps.repo.tokens(code)).map((row) => tokenView(row, now)) };
  }

  /** Creates a token; its secret is in the answer only (the site keeps its SHA-256), the audit entry has its id. */
  async createToken(code: string, body: RegistrationTokenCreateBody, actor: string): Promise<RegistrationTokenCreated> {
    await this.deps.site(code);
    const now = this.now();
    const token = `${REGISTRATION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: TokenRow = {
      id: randomUUID(),
      site_code: body.anySite === true ? null : code,
      created_under: code,
      token_hash: registrationTokenHash(token),
      label: body.label ?? '',
      max_uses: body.uses ?? 1,
      uses: 0,
      expires_at: new Date(now.getTime() + (body.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS) * 1000).toISOString(),
      created_at: now.toISOString(),
      created_by: actor,
      revoked_at: null,
    };
    const view = tokenView(row, row.created_at);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.insertToken(trx, row);
      const { id, siteCode, label, maxUses, expiresAt } = view;
      await this.deps.audit.append(trx, {
        at: row.created_at,
        actor,
        siteCode: code,
        action: 'registration-token-created',
        oldValue: null,
        newValue: { id, siteCode, label, maxUses, expiresAt },
        outcome: 'created',
      });
    });
    return { token, view };
  }

  /**
   * A one-time token for a host that push installation is about to install, or null when the
   * site registers openly: the administrator chose the host, so its client needs no approval.
   * Audited with the actor `push`.
   */
  async pushToken(code: string, host: string, validSeconds: number, keyConfirmed: boolean): Promise<string | null> {
    const { mode } = await this.deps.repo.settings(code);
    if (mode === 'open') return null;
    if (!keyConfirmed) {
      // approve-new: the pushed client registers without a token and waits for approval.
      if (mode === 'approve-new') return null;
      throw new SiteportError(
        'E_PUSH_HOST_KEY_UNCONFIRMED',
        `site ${code} registers clients with tokens, and a push carries one only to a host whose SSH key an administrator confirmed; confirm ${host}'s key with siteport push approve ${host} --host-key SHA256:…`,
      );
    }
    const expiresInSeconds = Math.min(Math.max(validSeconds, 60), MAX_TOKEN_SECONDS);
    return (await this.createToken(code, { label: `push ${host}`.slice(0, 200), uses: 1, expiresInSeconds }, 'push'))
      .token;
  }

  /** Revokes a token at once; the row stays (uses, who created it) for history. */
  async revokeToken(code: string, id: string, actor: string): Promise<RegistrationTokenView> {
    await this.deps.site(code);
    const row = await this.deps.repo.token(id);
    if (row?.created_under !== code)
      throw new SiteportError(
        'E_TOKEN_NOT_FOUND',
        `site ${code} has no registration token ${id}; list them with siteport registration token list`,
      );
    const at = this.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.repo.revoke(trx, id, at))) return;
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: code,
        action: 'registration-token-revoked',
        oldValue: { id, uses: row.uses, maxUses: row.max_uses },
        newValue: null,
        outcome: 'revoked',
      });
    });
    return tokenView((await this.deps.repo.token(id)) ?? row, at);
  }

  /**
   * Approves, blocks, unblocks or retires a client of the site: the status changes in one
   * conditional update with its audit entry, then every process is told (the event bridge
   * carries it to other MP processes).
   */
  async act(
    code: string,
    clientId: string,
    action: ClientAction,
    body: ClientActionBody,
    actor: string,
  ): Promise<ClientActionResult> {
    await this.deps.site(code);
    const client = await this.deps.clients.findById(clientId);
    if (client?.siteCode !== code)
      throw new SiteportError(
        'E_CLIENT_NOT_FOUND',
        `site ${code} has no client ${clientId}; list them with siteport clients list --site ${code}`,
      );
    const { from, to } = TRANSITIONS[action];
    const at = this.now().toISOString();
    const changed = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.clients.changeStatus(clientId, from, to, at, trx))) return false;
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode: code,
        action: `client-${action}`,
        oldValue: { clientId, hostname: client.hostname, status: client.status },
        newValue: { clientId, status: to, ...(body.reason === undefined ? {} : { reason: body.reason }) },
        outcome: 'applied',
      });
      return true;
    });
    if (!changed) {
      const now = (await this.deps.clients.findById(clientId))?.status ?? client.status;
      throw new SiteportError(
        'E_CLIENT_STATE',
        `client ${clientId} is ${now}; ${action} applies to a ${from.join(' or ')} client`,
        { details: { status: now } },
      );
    }
    this.deps.events.clientStatusChanged(code, clientId, to);
    return { clientId, siteCode: code, from: client.status, status: to };
  }
}
