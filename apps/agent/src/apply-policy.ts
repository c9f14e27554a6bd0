import type { Policy } from '@siteport/protocol';
import type { ClientConfig } from './client-config.js';

/**
 * Adopts a site policy into a client configuration when its settings version is newer than the
 * one stored: ports, communication mode and interval are replaced (this is how a site port change
 * reaches the client), and management points not yet known are added after the known ones.
 * Returns the same object when nothing changes.
 */
export function applyPolicy(config: ClientConfig, policy: Policy): { config: ClientConfig; adopted: boolean } {
  if (policy.settingsVersion <= config.settingsVersion) return { config, adopted: false };
  const known = new Set(config.managementPoints);
  const added = policy.managementPoints.filter((host) => !known.has(host) && host !== config.internetManagementPoint);
  return {
    adopted: true,
    config: {
      ...config,
      siteCode: config.siteCode === 'AUTO' ? policy.siteCode : config.siteCode,
      ports: {
        http: { default: policy.ports.http.default, alternate: policy.ports.http.alternate },
        https: { default: policy.ports.https.default, alternate: policy.ports.https.alternate },
      },
      communicationMode: policy.communicationMode,
      policyIntervalSeconds: policy.policyIntervalSeconds,
      settingsVersion: policy.settingsVersion,
      managementPoints: [...config.managementPoints, ...new Set(added)],
    },
  };
}
