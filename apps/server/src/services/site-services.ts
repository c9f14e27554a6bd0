import type { ClientList, ClientView, SiteView } from '@siteport/protocol';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { RolloutService } from '../rollouts/rollout-service.js';
import { servedKeys } from '../rollouts/served-endpoints.js';
import { type ClientService, clientView } from './client-service.js';
import type { PortSettingsService } from './port-settings-service.js';

/** What the admin API reads and changes: one object so routes stay thin. */
export class SiteServices {
  constructor(
    readonly siteCode: string,
    readonly ports: PortSettingsService,
    readonly clients: ClientService,
    readonly rollouts: RolloutService,
    readonly audit: AuditRepository,
    private readonly facts: {
      caFingerprint: string;
      listeners: () => { protocol: string; port: number; state: string }[];
      flushActivity: () => Promise<void>;
      /** Secondary sites attached to this server's primary site (SPEC S7). */
      secondaries?: () => Promise<SiteView[]>;
    },
  ) {}

  private async clientViews(code: string): Promise<{ views: ClientView[]; window: number }> {
    const site = await this.ports.site(code);
    await this.facts.flushActivity();
    const served = servedKeys(await this.ports.served(code));
    const now = new Date();
    // Retired clients are listed (their history), but not counted (siteView).
    const views = (await this.clients.allRecords(code)).map((c) => clientView(c, site.activeWindowSeconds, now, served));
    return { views, window: site.activeWindowSeconds };
  }

  async siteView(code: string): Promise<SiteView> {
    const secondary = code === this.siteCode ? undefined : (await this.facts.secondaries?.())?.find((v) => v.siteCode === code);
    if (secondary !== undefined) return secondary;
    const site = await this.ports.site(code);
    const { views } = await this.clientViews(code);
    return {
      siteCode: site.code,
      name: site.name,
      kind: site.kind,
      policyIntervalSeconds: site.policyIntervalSeconds,
      activeWindowSeconds: site.activeWindowSeconds,
      caFingerprint: this.facts.caFingerprint,
      clients: { total: views.filter((c) => c.status !== 'retired').length, active: views.filter((c) => c.status === 'active' && c.activity === 'active').length },
      listeners: code === this.siteCode ? this.facts.listeners() : [],
      parentCode: site.parentCode,
    };
  }

  async siteViews(): Promise<SiteView[]> {
    return [await this.siteView(this.siteCode), ...((await this.facts.secondaries?.()) ?? [])];
  }

  async clientList(code: string): Promise<ClientList> {
    const { views, window } = await this.clientViews(code);
    return { clients: views, activeWindowSeconds: window };
  }

  async client(id: string): Promise<ClientView> {
    const record = await this.clients.record(id);
    const { views } = await this.clientViews(record.siteCode);
    const view = views.find((v) => v.clientId === id);
    if (view === undefined) throw new Error(`client ${id} vanished while being read`);
    return view;
  }
}
