import type { ClientCategory, CommunicationMode } from '@siteport/protocol';
import type { AgentState, LastContact, LastError } from './agent-status.js';
import type { ClientPorts } from './client-config.js';
import type { PortSwitchRecord } from './port-switch-record.js';
import type { ClientDirectory } from './discovery/client-directory.js';
import type { DiscoveryStatus } from './discovery/discovery-status.js';
import { StateStore } from './state-store.js';

/** What `siteport client status --json` prints (keys scripts rely on; more are welcome). */
export interface ClientStatus {
  stateDir: string;
  siteCode: string;
  clientId: string | null;
  managementPoints: string[];
  internetManagementPoint: string | null;
  ports: ClientPorts;
  /** Which endpoint last answered, or null if none ever did. */
  lastContact: LastContact | null;
  /** The daemon's state; `stopped` when no agent runs, `not-registered` before the first registration. */
  state: AgentState | 'not-registered';
  agentRunning: boolean;
  agentPid: number | null;
  category: ClientCategory;
  settingsVersion: number;
  communicationMode: CommunicationMode;
  lastError: LastError | null;
  lastPolicyAt: string | null;
  portSwitch: PortSwitchRecord | null;
  /** Directory access of a directory-joined client (never the password), else null. */
  directory: ClientDirectory | null;
  dnsDomain: string | null;
  /** Discovery order and the last directory/DNS lookups, as the agent last wrote them. */
  discovery: DiscoveryStatus | null;
}

/** Reads an installed client's state directory (E_NOT_INSTALLED when there is none). */
export function readClientStatus(stateDir: string): ClientStatus {
  const store = new StateStore(stateDir);
  const config = store.readConfig();
  const status = store.readStatus();
  const pid = store.liveAgentPid();
  const state: ClientStatus['state'] =
    pid !== null ? status.state : config.clientId === null ? 'not-registered' : 'stopped';
  return {
    stateDir: store.dir,
    siteCode: config.siteCode,
    clientId: config.clientId,
    managementPoints: config.managementPoints,
    internetManagementPoint: config.internetManagementPoint,
    ports: config.ports,
    lastContact: status.lastContact,
    state,
    agentRunning: pid !== null,
    agentPid: pid,
    category: config.category,
    settingsVersion: config.settingsVersion,
    communicationMode: config.communicationMode,
    lastError: status.lastError,
    lastPolicyAt: status.lastPolicyAt,
    portSwitch: store.readPortSwitch(),
    directory: config.directory ?? null,
    dnsDomain: config.dnsDomain ?? null,
    discovery: status.discovery,
  };
}
