import {
  type FirewallFormat,
  type FirewallPort,
  type FirewallRole,
  type FirewallRules,
  applyPortChange,
  firewallRules,
  parsePortAssignments,
} from '@siteport/protocol';
import type { PortSettingsService } from '../ports/index.js';
import { defaultWebSiteOf, type WebSiteRepository } from '../web/index.js';

/** `GET /sites/{code}/firewall`: the rules, with the site and version they were made for. */
export interface FirewallAnswer extends FirewallRules {
  siteCode: string;
  version: number | 'proposed';
}

/** Firewall rules for a site's current settings, or for proposed ones given as ITEM=VALUE. */
export class FirewallService {
  constructor(private readonly deps: { ports: PortSettingsService; web: WebSiteRepository }) {}

  async rules(
    siteCode: string,
    format: FirewallFormat,
    role: FirewallRole,
    proposed: readonly string[],
  ): Promise<FirewallAnswer> {
    const stored = await this.deps.ports.stored(siteCode);
    const isProposed = proposed.length > 0;
    const settings = isProposed ? applyPortChange(stored.settings, parsePortAssignments(proposed)) : stored.settings;
    const extra: FirewallPort[] = [];
    if (settings.customWebSite) {
      const site = defaultWebSiteOf(await this.deps.web.defaultWebSite(siteCode));
      const kept = !stored.settings.customWebSite
        ? { http: stored.settings.http.default, https: stored.settings.https.default }
        : site;
      extra.push({ transport: 'tcp', port: kept.http, purpose: 'default web site HTTP (client installer)' });
      extra.push({ transport: 'tcp', port: kept.https, purpose: 'default web site HTTPS (client installer)' });
    }
    const version = isProposed ? ('proposed' as const) : stored.version;
    const rules = firewallRules(
      {
        siteCode,
        version,
        settings,
        role,
        overlap: isProposed ? [] : (await this.deps.ports.view(siteCode)).overlap,
        extra,
      },
      format,
    );
    return { siteCode, version, ...rules };
  }
}
