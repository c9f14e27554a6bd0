import type { ClientList, ClientView, SiteView } from '@siteport/protocol';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { ClientService } from './client-service.js';
import type { PortSettingsService } from './port-settings-service.js';

/** What the admin API reads and changes: one object so routes stay thin. */
export class SiteServices {
  constructor(
    readonly siteCode: string,
    readonly ports: PortSettingsService,
    readonly clients: ClientService,
    readonly audit: AuditRepository,
    private readonly facts: {
      caFingerprint: string;
      listeners: () => { protocol: string; port: number; state: string }[];
      flushActivity: () => Promise<void>;
    },
  ) {}

  async siteView(code: string): Promise<SiteView> {
    const site = await this.ports.site(code);
    await this.facts.flushActivity();
    const clients = await this.clients.list(code, site.activeWindowSeconds, new Date());
    return {
      siteCode: site.code,
      name: site.name,
      kind: site.kind,
      policyIntervalSeconds: site.policyIntervalSeconds,
      activeWindowSeconds: site.activeWindowSeconds,
      caFingerprint: this.facts.caFingerprint,
      clients: { total: clients.length, active: clients.filter((c) => c.activity === 'active').length },
      listeners: code === this.siteCode ? this.facts.listeners() : [],
    };
  }

  async siteViews(): Promise<SiteView[]> {
    return [await this.siteView(this.siteCode)];
  }

  async clientList(code: string): Promise<ClientList> {
    const site = await this.ports.site(code);
    await this.facts.flushActivity();
    return { clients: await this.clients.list(code, site.activeWindowSeconds, new Date()), activeWindowSeconds: site.activeWindowSeconds };
  }

  async client(id: string): Promise<ClientView> {
    await this.facts.flushActivity();
    return this.clients.get(id, async (code) => (await this.ports.site(code)).activeWindowSeconds, new Date());
  }
}
