import type { ClientConfig } from '../client-config.js';
import type { DirectorySite } from './directory-reader.js';

/**
 * Adopts what the site published in the directory when its settings version is newer than the
 * client's: request ports, communication mode and policy interval. This is what lets a
 * directory-joined client follow a port change it missed while it was off: it needs no MP on the
 * old ports. Management point hosts are not persisted here; the agent tries them after its stored ones.
 */
export function applyDirectory(config: ClientConfig, found: DirectorySite): { config: ClientConfig; adopted: boolean } {
  const { site } = found;
  if (site.settingsVersion <= config.settingsVersion) return { config, adopted: false };
  if (config.siteCode !== 'AUTO' && config.siteCode !== site.siteCode) return { config, adopted: false };
  return {
    adopted: true,
    config: {
      ...config,
      siteCode: site.siteCode,
      ports: {
        http: { default: site.ports.http.default, alternate: site.ports.http.alternate },
        https: { default: site.ports.https.default, alternate: site.ports.https.alternate },
      },
      communicationMode: site.communicationMode,
      policyIntervalSeconds: site.policyIntervalSeconds,
      settingsVersion: site.settingsVersion,
    },
  };
}
