/** @siteport/agent: the client agent — setup, state directory, MP transport with port fallback, daemon, port switch, status. */
export { Agent } from './agent.js';
export { AGENT_VERSION, type AgentOptions, type ResolvedAgentOptions, resolveAgentOptions } from './agent-options.js';
export { runAgentProcess } from './agent-process.js';
export { type AgentState, type AgentStatus, type LastContact, type LastError } from './agent-status.js';
export { applyPolicy } from './apply-policy.js';
export { writeFileAtomic } from './atomic-write.js';
export { type ClientConfig, type ClientPorts, managementPointHosts } from './client-config.js';
export { type ClientStatus, readClientStatus } from './client-status.js';
export { AGENT_CHANNELS, type ContactEvent, type PolicyEvent, type StateEvent } from './diagnostics.js';
export { type MpEndpoint, endpointList, endpointUrl } from './endpoint-list.js';
export { type LogLevel, createAgentLogger } from './logger.js';
export { MpClient, caFingerprint } from './mp-client.js';
export { MpTransport, type MpRequest, type MpResponse, type MpTransportOptions } from './mp-transport.js';
export { type PortSwitchOptions, portSwitch, switchedPorts } from './port-switch.js';
export { type PortSwitchRecord } from './port-switch-record.js';
export { type RequestSigner, createRequestSigner, sha256Hex } from './request-signer.js';
export { type SetupOptions, runSetup } from './setup.js';
export { STATE_FILES, StateStore, isProcessAlive } from './state-store.js';
