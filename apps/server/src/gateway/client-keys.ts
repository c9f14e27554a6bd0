import type { GatewayClientKey } from '@siteport/protocol';
import { SiteportError } from '@siteport/protocol';
import type { ClientService, KnownClient } from '../clients/index.js';

/** Where a gateway reads a client's key and status: the site, through its admin API. */
interface ClientKeySource {
  /** The client, or undefined when the site does not know it. */
  clientKey(id: string): Promise<GatewayClientKey | undefined>;
}

/** Options of {@link GatewayClientKeys}. */
export interface GatewayClientKeysOptions {
  source: ClientKeySource;
  /** How long a client's key and status (or that it is unknown) is held. @default 30000 */
  ttlMs?: number;
  /** Most clients held; the oldest entry goes first. @default 100000 */
  maxEntries?: number;
  /** Look-ups at the site at once; more are refused with E_GATEWAY_BUSY. @default 32 */
  maxLookups?: number;
  now?: () => number;
}

interface Entry {
  client: KnownClient | undefined;
  until: number;
}

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The refusal of a client the site does not serve; the codes and words of the management point's. */
function refusal(client: KnownClient): SiteportError | undefined {
  switch (client.status) {
    case 'active':
      return undefined;
    case 'pending':
      return new SiteportError('E_CLIENT_PENDING', `client ${client.id} waits for approval by an administrator`, {
        details: { clientId: client.id },
      });
    case 'blocked':
      return new SiteportError(
        'E_CLIENT_BLOCKED',
        `client ${client.id} is blocked by an administrator; its requests are refused until it is unblocked (siteport clients unblock ${client.id})`,
        { details: { clientId: client.id } },
      );
    case 'retired':
      return new SiteportError('E_CLIENT_RETIRED', `client ${client.id} was retired; its key is no longer accepted`, {
        details: { clientId: client.id },
      });
  }
}

/**
 * The client keys a gateway verifies signed requests with (decision 0113): read from the site on
 * first use and held for `ttlMs`, unknown ids too (a flood of made-up ids costs the site one read
 * each per TTL at most, and `maxLookups` at once). A blocked client is refused within `ttlMs` of
 * being blocked; the management point behind refuses it at once.
 */
export class GatewayClientKeys implements Pick<ClientService, 'known' | 'knownCached'> {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<KnownClient | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxLookups: number;
  private readonly now: () => number;

  constructor(private readonly options: GatewayClientKeysOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxLookups = options.maxLookups ?? 32;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  knownCached(id: string): KnownClient | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.until <= this.now() || entry.client === undefined) return undefined;
    const refused = refusal(entry.client);
    if (refused !== undefined) throw refused;
    return entry.client;
  }

  async known(id: string): Promise<KnownClient | undefined> {
    if (!CLIENT_ID.test(id)) return undefined;
    const entry = this.entries.get(id);
    let client: KnownClient | undefined;
    if (entry !== undefined && entry.until > this.now()) client = entry.client;
    else client = await this.lookUp(id);
    if (client === undefined) return undefined;
    const refused = refusal(client);
    if (refused !== undefined) throw refused;
    return client;
  }

  private lookUp(id: string): Promise<KnownClient | undefined> {
    const running = this.pending.get(id);
    if (running !== undefined) return running;
    if (this.pending.size >= this.maxLookups) {
      return Promise.reject(
        new SiteportError(
          'E_GATEWAY_BUSY',
          'the gateway is looking up as many clients as it allows; try again shortly',
        ),
      );
    }
    const lookup = this.options.source
      .clientKey(id)
      .then((found) => {
        const client: KnownClient | undefined =
          found === undefined
            ? undefined
            : { id: found.id, siteCode: '', publicKey: found.publicKey, status: found.status };
        this.remember(id, client);
        return client;
      })
      .finally(() => this.pending.delete(id));
    this.pending.set(id, lookup);
    return lookup;
  }

  private remember(id: string, client: KnownClient | undefined): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { client, until: this.now() + this.ttlMs });
  }
}
