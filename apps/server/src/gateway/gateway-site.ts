import { createPublicKey, webcrypto } from 'node:crypto';
import {
  type GatewayCertificate,
  type GatewayClientKey,
  type GatewayUpstream,
  SiteportError,
} from '@siteport/protocol';
import type { ClientService } from '../clients/index.js';
import type { PortSettingsService } from '../ports/index.js';
import type { AuditRepository } from '../site/index.js';
import type { Kysely, SiteDatabase } from '@siteport/db';
import { ALGORITHM, type SiteCa, issueMpCertificate } from '../pki/index.js';
import type { GatewaySettings } from './gateway-settings.js';

/** Lifetime of a gateway certificate; a running gateway asks for a new one after two thirds of it. @default 30 days */
const GATEWAY_CERT_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** What the site serves a gateway process that holds a token of the `gateway` role (decision 0113). */
export interface GatewaySiteDeps {
  db: Kysely<SiteDatabase>;
  settings: GatewaySettings;
  ports: PortSettingsService;
  clients: Pick<ClientService, 'record'>;
  audit: AuditRepository;
  /** MP host names of the site's live MP processes. */
  managementPoints: () => readonly string[];
  /** The site server's MP host when no public host name is configured (its bind address or host name). */
  fallbackHost: string;
  caCertificate: string;
  loadCa: () => Promise<SiteCa>;
}

/**
 * The site side of a gateway: the MP endpoints it relays to (the ports served now, so a rollout is
 * followed), the key and status of a client whose request it verifies, and its TLS certificate,
 * issued by the site CA for the configured public host name only.
 */
export class GatewaySite {
  constructor(private readonly deps: GatewaySiteDeps) {}

  async upstream(siteCode: string): Promise<GatewayUpstream> {
    const served = (await this.deps.ports.served(siteCode)).filter((e) => e.role !== 'probe');
    // HTTPS first: the gateway verifies each MP against the site CA.
    const ordered = [...served.filter((e) => e.protocol === 'https'), ...served.filter((e) => e.protocol === 'http')];
    const named = this.deps.managementPoints();
    const hosts = named.length > 0 ? named : [this.deps.fallbackHost];
    const endpoints = hosts.flatMap((host) => ordered.map((e) => ({ host, protocol: e.protocol, port: e.port })));
    return {
      siteCode,
      caCertificate: this.deps.caCertificate,
      gateway: (await this.deps.settings.address(siteCode)) ?? null,
      endpoints,
    };
  }

  /** A client of this site with its key; a client of another site is unknown here. */
  async clientKey(siteCode: string, id: string): Promise<GatewayClientKey> {
    const record = await this.deps.clients.record(id).catch(() => undefined);
    if (record === undefined || record.siteCode !== siteCode) {
      throw new SiteportError('E_CLIENT_NOT_FOUND', `no client ${id} is registered at site ${siteCode}`);
    }
    return { id: record.id, status: record.status, publicKey: record.publicKey };
  }

  /** Issues the gateway's certificate for the configured host name; audited. */
  async certificate(siteCode: string, publicKeyPem: string, actor: string): Promise<GatewayCertificate> {
    const gateway = await this.deps.settings.address(siteCode);
    if (gateway === undefined) {
      throw new SiteportError(
        'E_GATEWAY_NOT_CONFIGURED',
        `site ${siteCode} has no gateway: set its public host name first (siteport gateway set --host NAME --port PORT)`,
      );
    }
    let publicKey: webcrypto.CryptoKey;
    try {
      const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
      publicKey = await webcrypto.subtle.importKey('spki', spki, ALGORITHM, true, ['verify']);
    } catch (error) {
      throw new SiteportError('E_VALIDATION', 'publicKey is not an ECDSA P-256 public key (SPKI PEM)', {
        details: { field: 'publicKey' },
        cause: error,
      });
    }
    const ca = await this.deps.loadCa();
    const names = [gateway.host];
    const certificate = await issueMpCertificate({
      siteCode,
      names,
      publicKey,
      ca,
      lifetimeMs: GATEWAY_CERT_LIFETIME_MS,
    });
    await this.deps.audit.append(this.deps.db, {
      at: new Date().toISOString(),
      actor,
      siteCode,
      action: 'gateway.certificate',
      oldValue: null,
      newValue: { names, lifetimeDays: GATEWAY_CERT_LIFETIME_MS / 86_400_000 },
      outcome: 'ok',
    });
    return { certificate, caCertificate: ca.certificate, names };
  }
}
