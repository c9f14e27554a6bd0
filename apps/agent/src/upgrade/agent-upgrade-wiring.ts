import type { Logger } from 'pino';
import type { IdentityKey } from '../identity-key.js';
import type { MpClient } from '../mp-client.js';
import { AgentUpgrader, type UpgradeChannel } from './agent-upgrader.js';
import { LAUNCHER_ENV } from './launcher.js';

/** What the agent's upgrader is built from. */
export interface AgentUpgradeWiring {
  stateDir: string;
  runningVersion: string;
  releaseKeyFingerprint: () => string | null;
  trialMs: number;
  logger: Logger;
}

/** The agent's upgrader; it knows it runs under the launcher from the launcher's environment. */
export function createAgentUpgrader(wiring: AgentUpgradeWiring): AgentUpgrader {
  return new AgentUpgrader({ ...wiring, launched: process.env[LAUNCHER_ENV] === '1' });
}

/** The upgrade calls of the MP for this client (decision 0111). */
export function upgradeChannel(client: MpClient, clientId: string, key: IdentityKey): UpgradeChannel {
  return {
    offer: () => client.upgradeOffer(clientId, key),
    part: (version, part) => client.upgradePart(clientId, key, version, part),
    report: (body) => client.upgradeReport(clientId, key, body),
  };
}
