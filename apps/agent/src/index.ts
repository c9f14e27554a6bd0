/** @siteport/agent: the client agent — setup, state directory, MP transport with port fallback, daemon, port switch, status. */
export { Agent } from './agent.js';
export { AGENT_VERSION, type AgentOptions, type ResolvedAgentOptions, resolveAgentOptions } from './agent-options.js';
export { runAgentProcess } from './agent-process.js';
export { type AgentState, type AgentStatus, type LastContact, type LastError } from './agent-status.js';
export {
  type AnswerKeys,
  type ReceivedAnswer,
  type SentRequest,
  answerProblem,
  certificateKey,
} from './answer-check.js';
export { applyPolicy } from './apply-policy.js';
export { type ClientConfig, type ClientPorts, managementPointHosts } from './client-config.js';
export { type ClientStatus, readClientStatus } from './client-status.js';
export { applyDirectory } from './discovery/apply-directory.js';
export { type ClientDirectory } from './discovery/client-directory.js';
export { type DirectorySite, readDirectorySite } from './discovery/directory-reader.js';
export { type DirectorySetupOptions, runDirectorySetup } from './discovery/directory-setup.js';
export { DISCOVERY_SOURCES, type DiscoverySource, type DiscoveryStatus } from './discovery/discovery-status.js';
export { type SrvManagementPoint, lookupMpSrv, mpSrvName } from './discovery/dns-srv.js';
export { AGENT_CHANNELS, type ContactEvent, type PolicyEvent, type StateEvent } from './diagnostics.js';
export { type MpEndpoint, endpointList, endpointUrl } from './endpoint-list.js';
export { type LogLevel, createAgentLogger } from './logger.js';
export { MpClient, caFingerprint } from './mp-client.js';
export { MpTransport, type MpRequest, type MpResponse, type MpTransportOptions } from './mp-transport.js';
export { type PortSwitchOptions, portSwitch, switchedPorts } from './port-switch.js';
export { type PortSwitchRecord } from './port-switch-record.js';
export { type ReloadDelivery, listenForReloads, reloadDeliveryFor, requestReload } from './reload-requests.js';
export { type RequestSigner, createRequestSigner, requestNonce, sha256Hex } from './request-signer.js';
export { probeTargets, runProbes } from './reachability/index.js';
export { type SetupOptions, runSetup } from './setup.js';
export { STATE_FILES, StateStore, isProcessAlive } from './state-store.js';
export {
  DEFAULT_POLL_WAIT_SECONDS,
  NotificationClient,
  type NotificationClientState,
  type NotifyEvent,
} from './notify/notification-client.js';
export { type ClientSession, openClientSession, sessionHeaders, startClientSession } from './session/client-session.js';
export {
  type ClientIdentity,
  SessionKeeper,
  type SessionKeeperOptions,
  type SessionRequest,
  type SessionRequestOptions,
} from './session/session-keeper.js';
export * from './upgrade/index.js';
