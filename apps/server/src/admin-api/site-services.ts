import type { ClientView, SiteView } from '@siteport/protocol';
import {
  type ClientCountReader,
  ClientListService,
  type ClientPageRepository,
  type ClientPresence,
  type ClientService,
  clientView,
  NO_PRESENCE,
} from '../clients/index.js';
import type { AuditRepository } from '../site/index.js';
import { type PortSettingsService, type RolloutService, servedKeys } from '../ports/index.js';

/** What the admin API reads and changes: one object so routes stay thin. */
export class SiteServices {
  /** The paged clients list and the client counts. */
  readonly list: ClientListService;

  constructor(
    readonly siteCode: string,
    readonly ports: PortSettingsService,
    readonly clients: ClientService,
    readonly rollouts: RolloutService,
    readonly audit: AuditRepository,
    private readonly facts: {
      caFingerprint: string;
      listeners: () => { protocol: string; port: number; state: string; address?: string }[];
      flushActivity: () => Promise<void>;
      /** Secondary sites attached to this server's primary site (SPEC S7). */
      secondaries?: () => Promise<SiteView[]>;
      /** Reads clients a page at a time and counts them. */
      clientPages: ClientPageRepository;
      /** Where the counts are read, if not from `clientPages` (the SQLite read worker). */
      clientCounts?: ClientCountReader;
      /** Notification presence of the site's clients (the channel filter and counts). */
      presence?: ClientPresence;
    },
  ) {
    this.list = new ClientListService({
      siteCode,
      pages: facts.clientPages,
      ...(facts.clientCounts === undefined ? {} : { counts: facts.clientCounts }),
      site: (code) => ports.site(code),
      servedKeys: async (code) => servedKeys(await ports.served(code)),
      presence: facts.presence ?? NO_PRESENCE,
      flushActivity: facts.flushActivity,
    });
  }

  async siteView(code: string): Promise<SiteView> {
    const secondary =
      code === this.siteCode ? undefined : (await this.facts.secondaries?.())?.find((v) => v.siteCode === code);
    if (secondary !== undefined) return secondary;
    const site = await this.ports.site(code);
    // Counted in the database: a site of 100,000 clients is not read whole for two numbers. Retired clients are not counted.
    const counts = await this.list.siteTotals(code);
    return {
      siteCode: site.code,
      name: site.name,
      kind: site.kind,
      policyIntervalSeconds: site.policyIntervalSeconds,
      activeWindowSeconds: site.activeWindowSeconds,
      caFingerprint: this.facts.caFingerprint,
      clients: counts,
      listeners: code === this.siteCode ? this.facts.listeners() : [],
      parentCode: site.parentCode,
    };
  }

  async siteViews(): Promise<SiteView[]> {
    return [await this.siteView(this.siteCode), ...((await this.facts.secondaries?.()) ?? [])];
  }

  async client(id: string): Promise<ClientView> {
    await this.facts.flushActivity();
    const record = await this.clients.record(id);
    const site = await this.ports.site(record.siteCode);
    const served = servedKeys(await this.ports.served(record.siteCode));
    return clientView(record, site.activeWindowSeconds, new Date(), served);
  }
}
