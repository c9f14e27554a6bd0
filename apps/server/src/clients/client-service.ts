// Over 300 lines: registration, activity and status checks share the client row and its key checks.
import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import {
  type ClientStatus,
  type ClientView,
  type RegisterRequest,
  SiteportError,
  isClientCategory,
  isHostName,
} from '@siteport/protocol';
import type { ClientRecord, ClientRepository } from './client-repository.js';
import type { RegistrationRepository, TokenRefusal } from './registration/registration-repository.js';

/** A client the MP can authenticate: its id, site, public key and registration status. */
export interface KnownClient {
  id: string;
  siteCode: string;
  /**
   * The registered key as stored (SPKI PEM), imported where a signature is checked
   * (`publicKeyFromPem`, a few µs for an Ed25519 key). Not a KeyObject: one held per cached
   * client cost about 1.1 KiB of OpenSSL memory each, on every MP, for every client it ever saw.
   */
  publicKey: string;
  status: ClientStatus;
}

/** The outcome of a registration: the client, and whether the site serves it now or it waits for approval. */
export interface Registration {
  record: ClientRecord;
  status: 'active' | 'pending';
  /** Set when a registration token was used (its id, for the log; never the secret). */
  tokenId?: string;
}

const TOKEN_REFUSALS: Record<TokenRefusal, string> = {
  unknown: 'is not known at this site',
  revoked: 'was revoked',
  expired: 'has expired',
  'used-up': 'is used up',
  'other-site': 'is for another site',
};

/** SHA-256 of a registration token secret, as stored. */
export function registrationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The refusal of a client whose status the site does not serve, or undefined for an active one.
 * Used by every client-request path through {@link ClientService.known}.
 */
function statusRefusal(client: { id: string; status: ClientStatus }): SiteportError | undefined {
  switch (client.status) {
    case 'active':
      return undefined;
    case 'pending':
      return new SiteportError(
        'E_CLIENT_PENDING',
        `client ${client.id} waits for approval by an administrator (siteport clients approve ${client.id}); the agent checks its registration again`,
        {
          details: { clientId: client.id },
        },
      );
    case 'blocked':
      return new SiteportError(
        'E_CLIENT_BLOCKED',
        `client ${client.id} is blocked by an administrator; its requests are refused until it is unblocked (siteport clients unblock ${client.id})`,
        {
          details: { clientId: client.id },
        },
      );
    case 'retired':
      return new SiteportError(
        'E_CLIENT_RETIRED',
        `client ${client.id} was retired; its key is no longer accepted. To register this machine again, rerun siteport setup with --new-identity`,
        { details: { clientId: client.id } },
      );
  }
}

/**
 * Registration and look-up of clients; keeps parsed public keys and registration statuses in
 * memory for request checks. A status change is announced as a site event, on which every
 * process calls {@link forget} (decision 0095).
 */
export class ClientService {
  private readonly keys = new Map<string, KnownClient>();
  /** Bumped by every forget: a look-up that read the database before a change does not cache what it read. */
  private epoch = 0;

  constructor(
    private readonly clients: ClientRepository,
    private readonly registration: Pick<RegistrationRepository, 'settings' | 'use'>,
    private readonly db: Kysely<SiteDatabase>,
    /** Clients a site holds waiting for approval; 0 = no cap (ServerOptions.maxPendingClients). */
    private readonly maxPendingClients = 10_000,
  ) {}

  /** Parses a registration's public key; only Ed25519 SPKI PEM keys are accepted. */
  static parsePublicKey(pem: string): KeyObject {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pem, format: 'pem' });
    } catch (error) {
      throw new SiteportError(
        'E_BAD_REQUEST',
        'publicKey is not a PEM public key; the agent must send its Ed25519 SPKI key',
        { cause: error },
      );
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new SiteportError(
        'E_BAD_REQUEST',
        `publicKey must be an Ed25519 key, got ${String(key.asymmetricKeyType)}`,
      );
    }
    return key;
  }

  static fingerprint(key: KeyObject): string {
    return createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');
  }

  /**
   * Registers a client at a site under the site's registration mode (decision 0095). A key
   * registered before gets its old id back (re-installs keep their identity, no token needed); a
   * blocked or retired key is refused; a pending one stays pending unless it brings a valid token.
   * A new key is active at once (`open`, or a valid token), pending (`approve-new` without a
   * token), or refused (`token` without a valid one). A token given with a registration that
   * needs none (open mode, a known active key) is not used.
   */
  async register(siteCode: string, request: RegisterRequest, key: KeyObject, now: Date): Promise<Registration> {
    if (!isClientCategory(request.category))
      throw new SiteportError('E_VALIDATION', `unknown client category ${String(request.category)}`);
    if (!isHostName(request.hostname)) throw new SiteportError('E_VALIDATION', 'hostname must be a host name');
    const fingerprint = ClientService.fingerprint(key);
    const at = now.toISOString();
    const token = request.registrationToken;
    const existing = await this.clients.findByKeyFingerprint(fingerprint);
    if (existing !== undefined) {
      if (existing.siteCode !== siteCode) {
        throw new SiteportError(
          'E_SITE_MISMATCH',
          `this key is registered at site ${existing.siteCode}; run setup again to join ${siteCode}`,
        );
      }
      if (existing.status === 'blocked' || existing.status === 'retired')
        throw statusRefusal(existing) as SiteportError;
      let status: 'active' | 'pending' = existing.status;
      let tokenId: string | undefined;
      if (status === 'pending' && token !== undefined) {
        tokenId = await this.db.transaction().execute(async (trx) => {
          const used = await this.useToken(trx, token, siteCode, at);
          if (!(await this.clients.changeStatus(existing.id, ['pending'], 'active', at, trx))) {
            throw new SiteportError(
              'E_CLIENT_STATE',
              `client ${existing.id} changed its status meanwhile; register again`,
            );
          }
          return used;
        });
        status = 'active';
      }
      await this.clients.updateRegistration(existing.id, request);
      this.forget(existing.id);
      return {
        record: {
          ...existing,
          hostname: request.hostname,
          category: request.category,
          agentVersion: request.agentVersion,
          status,
        },
        status,
        ...(tokenId === undefined ? {} : { tokenId }),
      };
    }
    const { mode } = await this.registration.settings(siteCode);
    if (mode === 'token' && token === undefined) {
      throw new SiteportError(
        'E_REGISTRATION_TOKEN_REQUIRED',
        `site ${siteCode} registers new clients only with a registration token: rerun setup with SMSREGTOKEN=<token> (an administrator creates one with siteport registration token create)`,
      );
    }
    const record: ClientRecord = {
      id: randomUUID(),
      siteCode,
      hostname: request.hostname,
      publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
      keyFingerprint: fingerprint,
      category: request.category,
      agentVersion: request.agentVersion,
      registeredAt: at,
      lastContact: null,
      settingsVersion: 0,
      agentState: 'registering',
      stateDir: null,
      status: mode === 'open' ? 'active' : 'pending',
      statusChangedAt: null,
    };
    if (mode === 'approve-new' && token === undefined) await this.assertPendingRoom(siteCode);
    if (mode === 'open' || token === undefined) {
      await this.clients.insert(record);
      return { record, status: mode === 'open' ? 'active' : 'pending' };
    }
    const active: ClientRecord = { ...record, status: 'active', statusChangedAt: at };
    const tokenId = await this.db.transaction().execute(async (trx) => {
      const used = await this.useToken(trx, token, siteCode, at);
      await this.clients.insert(active, trx);
      return used;
    });
    return { record: active, status: 'active', tokenId };
  }

  /**
   * A new pending client needs room under the site's cap, so keys from many addresses cannot grow the
   * approval queue without end. Concurrent registrations may pass the check together: the cap holds
   * within the number of registrations in flight.
   */
  private async assertPendingRoom(siteCode: string): Promise<void> {
    if (this.maxPendingClients === 0) return;
    const pending = await this.clients.countPending(siteCode, this.maxPendingClients);
    if (pending < this.maxPendingClients) return;
    throw new SiteportError(
      'E_PENDING_FULL',
      `site ${siteCode} holds ${pending} clients waiting for approval, the most it keeps; an administrator approves, blocks or retires some (siteport clients list --status pending) or raises siteport server --max-pending-clients`,
    );
  }

  private async useToken(trx: Transaction<SiteDatabase>, token: string, siteCode: string, at: string): Promise<string> {
    const used = await this.registration.use(trx, registrationTokenHash(token), siteCode, at);
    if ('refused' in used) {
      throw new SiteportError(
        'E_REGISTRATION_TOKEN',
        `the registration token ${TOKEN_REFUSALS[used.refused]}; ask an administrator for a new one (siteport registration token create) and rerun setup with SMSREGTOKEN=<token>`,
        {
          details: { reason: used.refused },
        },
      );
    }
    return used.id;
  }

  /**
   * The client with this id and its parsed key, or undefined when the site does not know it.
   * Throws the client's refusal (E_CLIENT_PENDING, E_CLIENT_BLOCKED, E_CLIENT_RETIRED) when the
   * site does not serve it: every client request and notification connection looks the client
   * up here, so the check costs one map read on the hot path.
   */
  async known(id: string): Promise<KnownClient | undefined> {
    let client = this.knownCached(id);
    if (client === undefined) {
      const epoch = this.epoch;
      const record = await this.clients.findById(id);
      if (record === undefined) return undefined;
      client = { id, siteCode: record.siteCode, publicKey: record.publicKey, status: record.status };
      if (epoch === this.epoch) this.keys.set(id, client);
    }
    const refusal = statusRefusal(client);
    if (refusal !== undefined) throw refusal;
    return client;
  }

  /**
   * {@link known} without a database read: the client when this process holds it (and its status
   * lets it in; else the same refusal), undefined when it must be read. Saves a busy MP the
   * promise of {@link known} on nearly every request.
   */
  knownCached(id: string): KnownClient | undefined {
    const client = this.keys.get(id);
    if (client === undefined) return undefined;
    const refusal = statusRefusal(client);
    if (refusal !== undefined) throw refusal;
    return client;
  }

  /** Drops what this process cached of a client (its status changed, here or in another process). */
  forget(id: string): void {
    this.epoch += 1;
    this.keys.delete(id);
  }

  /** A site's clients that the site serves (status active): what rollouts and change warnings count. */
  async records(siteCode: string): Promise<ClientRecord[]> {
    return (await this.clients.listBySite(siteCode)).filter((c) => c.status === 'active');
  }

  async record(id: string): Promise<ClientRecord> {
    const record = await this.clients.findById(id);
    if (record === undefined) throw new SiteportError('E_CLIENT_NOT_FOUND', `no client ${id} is registered here`);
    return record;
  }
}

/** Whether a client's last contact is within the site's active window. */
export function isActive(c: ClientRecord, activeWindowSeconds: number, now: Date): boolean {
  return c.lastContact !== null && now.getTime() - Date.parse(c.lastContact.at) <= activeWindowSeconds * 1000;
}

/**
 * A client as the admin API shows it: active/inactive from its last contact, and unmanaged when it
 * was last seen on a port the site no longer serves (`served` holds "protocol:port" keys).
 */
export function clientView(
  c: ClientRecord,
  activeWindowSeconds: number,
  now: Date,
  served: ReadonlySet<string>,
): ClientView {
  const active = isActive(c, activeWindowSeconds, now);
  const lost = c.lastContact !== null && !served.has(`${c.lastContact.protocol}:${c.lastContact.port}`);
  return {
    clientId: c.id,
    siteCode: c.siteCode,
    hostname: c.hostname,
    category: c.category,
    registeredAt: c.registeredAt,
    lastContact: c.lastContact,
    settingsVersion: c.settingsVersion,
    agentState: c.agentState,
    activity: active ? 'active' : 'inactive',
    managed: lost ? 'unmanaged' : 'managed',
    ...(lost && c.lastContact !== null
      ? {
          unmanagedReason: `last seen on ${c.lastContact.protocol.toUpperCase()} port ${c.lastContact.port}, which the site no longer serves; run siteport portswitch on the client or reinstall it with the site's current ports`,
        }
      : {}),
    stateDir: c.stateDir,
    status: c.status,
  };
}
