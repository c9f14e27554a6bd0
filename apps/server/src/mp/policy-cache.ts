import type { Policy } from '@siteport/protocol';
import { JsonText } from '../http/index.js';
import type { SiteRepository } from '../site/index.js';
import type { PortSettingsService } from '../ports/index.js';
import type { HeldPolicy, WindowGate } from '../windows/index.js';

/** The policy and its JSON, as sent. */
export interface PolicyEntry {
  policy: Policy;
  json: JsonText;
  /** The same policy with the ports before a window-respecting rollout, for the clients it holds (decision 0114). */
  held?: PolicyEntry;
}

/** The site's policy, built once per settings version and served as the same bytes to every client. */
export class PolicyCache {
  private cached: PolicyEntry | undefined;

  constructor(
    private readonly deps: {
      siteCode: string;
      ports: PortSettingsService;
      sites: SiteRepository;
      /** MP host names clients may contact (every live MP process of the site). */
      managementPoints: () => readonly string[];
      /** The endpoints of an open pre-flight, which clients test-connect to. */
      probe: () => Promise<Policy['probe']>;
      /** How often agents probe MP ports and the candidate ports (decision 0109). */
      reachability?: () => Promise<Policy['reachability']>;
      /** The site's gateway for clients outside the network, if set (decision 0113). */
      gateway?: () => Promise<Policy['gateway']>;
      /** The agent upgrade the site runs, if any (decision 0111). */
      agentUpgrade?: () => Policy['agentUpgrade'];
      /** Who a window-respecting rollout keeps on the old ports (decision 0114). */
      windows?: WindowGate;
    },
  ) {}

  invalidate(): void {
    this.cached = undefined;
  }

  /** What `clientId` is served of `entry`: the held policy while its maintenance window has not opened. */
  servedTo(clientId: string, entry: PolicyEntry): PolicyEntry {
    const { held } = entry;
    return held !== undefined && this.deps.windows?.holds(clientId, Date.now()) === true ? held : entry;
  }

  /** The policy when it is built (a request then needs no await), else undefined. */
  get ready(): PolicyEntry | undefined {
    return this.cached;
  }

  async current(): Promise<PolicyEntry> {
    if (this.cached !== undefined) return this.cached;
    const site = await this.deps.ports.site(this.deps.siteCode);
    const stored = await this.deps.ports.stored(this.deps.siteCode);
    const { settings } = stored;
    const policy: Policy = {
      siteCode: site.code,
      settingsVersion: stored.version,
      ports: {
        http: { ...settings.http },
        https: { ...settings.https },
        notification: settings.notification,
        wake: settings.wake,
      },
      communicationMode: stored.communicationMode,
      policyIntervalSeconds: site.policyIntervalSeconds,
      managementPoints: [...this.deps.managementPoints()],
      issuedAt: new Date().toISOString(),
    };
    const probe = await this.deps.probe();
    if (probe !== undefined) policy.probe = probe;
    const reachability = await this.deps.reachability?.();
    if (reachability !== undefined) policy.reachability = reachability;
    const gateway = await this.deps.gateway?.();
    if (gateway !== undefined) policy.gateway = gateway;
    const agentUpgrade = this.deps.agentUpgrade?.();
    if (agentUpgrade !== undefined) policy.agentUpgrade = agentUpgrade;
    const held = await this.deps.windows?.sync();
    const entry: PolicyEntry = { policy, json: JsonText.of(policy) };
    if (held !== undefined) entry.held = heldEntry(policy, held);
    this.cached = entry;
    return entry;
  }
}

/** `policy` as a held client sees it: the settings version, ports and mode from before the rollout. */
function heldEntry(policy: Policy, held: HeldPolicy): PolicyEntry {
  const { settings } = held;
  const old: Policy = {
    ...policy,
    settingsVersion: held.version,
    ports: {
      http: { ...settings.http },
      https: { ...settings.https },
      notification: settings.notification,
      wake: settings.wake,
    },
    communicationMode: held.communicationMode,
  };
  return { policy: old, json: JsonText.of(old) };
}
