import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { SiteportError, isSiteportError } from '@siteport/protocol';
import type { LastError } from '../agent-status.js';
import type { ClientConfig } from '../client-config.js';
import type { StateStore } from '../state-store.js';
import { applyDirectory } from './apply-directory.js';
import { readDirectorySite } from './directory-reader.js';
import type { DiscoveryStatus, DiscoverySource } from './discovery-status.js';
import { lookupMpSrv, mpSrvName } from './dns-srv.js';

const channel = diagnostics.channel('siteport:agent:discovery');

function lastError(error: unknown): LastError {
  const e = isSiteportError(error) ? error : new SiteportError('E_INTERNAL', String(error));
  return { code: e.code, message: e.message, at: new Date().toISOString() };
}

/**
 * Where the agent finds its management points, in order: the stored MP list of
 * client.json, then the MPs the site published in the directory (directory-joined clients only;
 * looked up every cycle, and a newer published settings version is adopted at once), then a DNS
 * SRV record `_siteport-mp._tcp.<domain>` whose port must be one of the client's request ports
 * (looked up only when no other MP answered).
 */
export class Discovery {
  private directoryHosts: string[] = [];
  private dnsHosts: string[] = [];
  /** The skipped directory entries last logged, so a lookup every cycle logs them once. */
  private skippedLogged = '';
  private current: DiscoveryStatus;

  constructor(
    private readonly deps: { store: StateStore; dnsServers: readonly string[]; timeoutMs: number; logger: Logger },
    config: ClientConfig,
  ) {
    const joined = (config.directory ?? null) !== null;
    const domain = config.dnsDomain ?? null;
    this.current = {
      order: ['stored', ...(joined ? (['directory'] as const) : []), ...(domain !== null ? (['dns'] as const) : [])],
      lastContactSource: null,
      directory: joined
        ? { lastLookupAt: null, publishedVersion: null, adoptedAt: null, managementPoints: [], lastError: null }
        : null,
      dns:
        domain === null
          ? null
          : { name: mpSrvName(domain), lastLookupAt: null, accepted: [], rejected: [], lastError: null },
    };
  }

  /** A copy of the status for status.json. */
  status(): DiscoveryStatus {
    return structuredClone(this.current);
  }

  /** The configuration the transport uses: the stored MPs, then directory MPs, then DNS MPs. */
  effective(config: ClientConfig): ClientConfig {
    const hosts = [...new Set([...config.managementPoints, ...this.directoryHosts, ...this.dnsHosts])];
    return hosts.length === config.managementPoints.length ? config : { ...config, managementPoints: hosts };
  }

  /** Where a host that answered came from. */
  contacted(config: ClientConfig, host: string): void {
    const source: DiscoverySource =
      config.managementPoints.includes(host) || host === config.internetManagementPoint
        ? 'stored'
        : this.directoryHosts.includes(host)
          ? 'directory'
          : 'dns';
    this.current.lastContactSource = source;
  }

  /**
   * Reads the site from the directory (directory-joined clients only) and returns the config with a
   * newer published settings version adopted. A failed lookup is recorded, never thrown: the agent
   * carries on with what it has.
   */
  async fromDirectory(config: ClientConfig): Promise<{ config: ClientConfig; adopted: boolean }> {
    const directory = config.directory ?? null;
    const state = this.current.directory;
    if (directory === null || state === null) return { config, adopted: false };
    state.lastLookupAt = new Date().toISOString();
    try {
      const found = await readDirectorySite(
        directory,
        this.deps.store.readText('directoryPassword') ?? null,
        config.siteCode,
        this.deps.timeoutMs,
      );
      this.logSkipped(found.skipped);
      this.directoryHosts = found.managementPoints.map((mp) => mp.host);
      state.publishedVersion = found.site.settingsVersion;
      state.managementPoints = [...this.directoryHosts];
      state.lastError = null;
      const result = applyDirectory(config, found);
      if (result.adopted) state.adoptedAt = state.lastLookupAt;
      if (channel.hasSubscribers)
        channel.publish({
          source: 'directory',
          ok: true,
          adopted: result.adopted,
          version: found.site.settingsVersion,
        });
      return result;
    } catch (error) {
      state.lastError = lastError(error);
      if (channel.hasSubscribers) channel.publish({ source: 'directory', ok: false, code: state.lastError.code });
      this.deps.logger.warn({ code: state.lastError.code }, state.lastError.message);
      return { config, adopted: false };
    }
  }

  /** Logs the management point entries the directory lookup left out, once while they stay the same. */
  private logSkipped(skipped: readonly SiteportError[]): void {
    const key = skipped.map((e) => e.message).join('\n');
    if (key === this.skippedLogged) return;
    this.skippedLogged = key;
    if (skipped.length === 0) return;
    this.deps.logger.warn(
      { code: 'E_DIRECTORY_ENTRY', skipped: skipped.slice(0, 5).map((e) => e.message), count: skipped.length },
      `left out ${skipped.length} invalid management point entr${skipped.length === 1 ? 'y' : 'ies'} of the directory; fix or remove them`,
    );
  }

  /**
   * Looks up the SRV record after every other source failed. Returns whether it found a host not
   * tried yet. Records whose port is not one of the client's request ports are ignored: DNS can
   * point at a host but must not move a client to other ports.
   */
  async fromDns(config: ClientConfig): Promise<boolean> {
    const domain = config.dnsDomain ?? null;
    const state = this.current.dns;
    if (domain === null || state === null) return false;
    state.lastLookupAt = new Date().toISOString();
    const ports = [
      config.ports.https.default,
      config.ports.https.alternate,
      config.ports.http.default,
      config.ports.http.alternate,
    ].filter((p): p is number => p !== null);
    try {
      const records = await lookupMpSrv(domain, this.deps.dnsServers, this.deps.timeoutMs);
      const accepted = records.filter((r) => ports.includes(r.port));
      state.accepted = accepted.map((r) => `${r.host}:${r.port}`);
      state.rejected = records
        .filter((r) => !ports.includes(r.port))
        .map(
          (r) => `${r.host}:${r.port} (port ${r.port} is not one of this client's request ports ${ports.join(', ')})`,
        );
      state.lastError = null;
      const known = new Set(this.effective(config).managementPoints);
      const fresh = [...new Set(accepted.map((r) => r.host))].filter((h) => !known.has(h));
      this.dnsHosts = [...this.dnsHosts, ...fresh];
      if (channel.hasSubscribers)
        channel.publish({ source: 'dns', ok: true, accepted: state.accepted, rejected: state.rejected });
      return fresh.length > 0;
    } catch (error) {
      state.lastError = lastError(error);
      this.deps.logger.warn({ code: state.lastError.code }, state.lastError.message);
      return false;
    }
  }
}
