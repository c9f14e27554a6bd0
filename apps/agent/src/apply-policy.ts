import type { Policy } from '@siteport/protocol';
import type { ClientConfig } from './client-config.js';
import { adoptGateway } from './gateway/index.js';

/**
 * Adopts a site policy into a client configuration. Management points not yet known are added
 * after the known ones from every policy, whatever its version (an MP process that starts or a
 * second MP of the site is announced without a settings change), so the client can fail over to
 * them. When the settings version is newer than the one stored, ports, communication mode and
 * interval are replaced too (this is how a site port change reaches the client) and `adopted` is
 * true. The site's gateway is taken from every policy too (decision 0113). Returns the same object
 * when nothing changes.
 */
export function applyPolicy(config: ClientConfig, policy: Policy): { config: ClientConfig; adopted: boolean } {
  const applied = applyPorts(config, policy);
  return { adopted: applied.adopted, config: adoptGateway(applied.config, policy) };
}

function applyPorts(config: ClientConfig, policy: Policy): { config: ClientConfig; adopted: boolean } {
  const known = new Set(config.managementPoints);
  const added = [
    ...new Set(policy.managementPoints.filter((host) => !known.has(host) && host !== config.internetManagementPoint)),
  ];
  const managementPoints = added.length === 0 ? config.managementPoints : [...config.managementPoints, ...added];
  if (policy.settingsVersion <= config.settingsVersion) {
    return { config: added.length === 0 ? config : { ...config, managementPoints }, adopted: false };
  }
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
      managementPoints,
    },
  };
}
