import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import {
  type ClientView,
  type RegisterRequest,
  SiteportError,
  isClientCategory,
  isHostName,
} from '@siteport/protocol';
import type { ClientRecord, ClientRepository } from '../repositories/client-repository.js';
import { publicKeyFromPem } from './ed25519-key.js';

/** A client the MP can authenticate: its id, site and verified public key. */
export interface KnownClient {
  id: string;
  siteCode: string;
  key: KeyObject;
}

/** Registration and look-up of clients; keeps parsed public keys in memory for request checks. */
export class ClientService {
  private readonly keys = new Map<string, KnownClient>();

  constructor(private readonly clients: ClientRepository) {}

  /** Parses a registration's public key; only Ed25519 SPKI PEM keys are accepted. */
  static parsePublicKey(pem: string): KeyObject {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pem, format: 'pem' });
    } catch (error) {
      throw new SiteportError('E_BAD_REQUEST', 'publicKey is not a PEM public key; the agent must send its Ed25519 SPKI key', { cause: error });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new SiteportError('E_BAD_REQUEST', `publicKey must be an Ed25519 key, got ${String(key.asymmetricKeyType)}`);
    }
    return key;
  }

  static fingerprint(key: KeyObject): string {
    return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
  }

  /**
   * Registers a client at a site. A key registered before gets its old id back (re-installs keep
   * their identity); a key of another site's client is refused.
   */
  async register(siteCode: string, request: RegisterRequest, key: KeyObject, now: Date): Promise<ClientRecord> {
    if (!isClientCategory(request.category)) throw new SiteportError('E_VALIDATION', `unknown client category ${String(request.category)}`);
    if (!isHostName(request.hostname)) throw new SiteportError('E_VALIDATION', 'hostname must be a host name');
    const fingerprint = ClientService.fingerprint(key);
    const existing = await this.clients.findByKeyFingerprint(fingerprint);
    if (existing !== undefined) {
      if (existing.siteCode !== siteCode) {
        throw new SiteportError('E_SITE_MISMATCH', `this key is registered at site ${existing.siteCode}; run setup again to join ${siteCode}`);
      }
      await this.clients.updateRegistration(existing.id, request);
      this.keys.set(existing.id, { id: existing.id, siteCode, key });
      return { ...existing, hostname: request.hostname, category: request.category, agentVersion: request.agentVersion };
    }
    const record: ClientRecord = {
      id: randomUUID(),
      siteCode,
      hostname: request.hostname,
      publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
      keyFingerprint: fingerprint,
      category: request.category,
      agentVersion: request.agentVersion,
      registeredAt: now.toISOString(),
      lastContact: null,
      settingsVersion: 0,
      agentState: 'registering',
      stateDir: null,
    };
    await this.clients.insert(record);
    this.keys.set(record.id, { id: record.id, siteCode, key });
    return record;
  }

  /** The client with this id and its parsed key, or undefined when the site does not know it. */
  async known(id: string): Promise<KnownClient | undefined> {
    const cached = this.keys.get(id);
    if (cached !== undefined) return cached;
    const record = await this.clients.findById(id);
    if (record === undefined) return undefined;
    const client = { id, siteCode: record.siteCode, key: publicKeyFromPem(record.publicKey) };
    this.keys.set(id, client);
    return client;
  }

  async records(siteCode: string): Promise<ClientRecord[]> {
    return this.clients.listBySite(siteCode);
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
export function clientView(c: ClientRecord, activeWindowSeconds: number, now: Date, served: ReadonlySet<string>): ClientView {
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
  };
}
