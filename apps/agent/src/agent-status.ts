import type { AgentStateName, ErrorCode } from '@siteport/protocol';
import type { DiscoveryStatus } from './discovery/discovery-status.js';

/**
 * The daemon's lifecycle. Transitions:
 * - `idle` → `starting` (start())
 * - `starting` → `registering` (no client id yet) or `running` (first cycle succeeded)
 * - `registering` → `running` (registered) or `unreachable`
 * - `running` ⇄ `unreachable` (no MP answered on any endpoint / one answered again)
 * - `registering` → `waiting-approval` (the site keeps new clients pending until an administrator
 *   approves them; the agent checks its registration again with its backoff) → `running`
 * - any → `blocked` or `retired` (the site refuses this client; checked again every interval) →
 *   `running` once unblocked
 * - any of the above → `stopping` (stop(), SIGTERM, SIGINT) → `stopped`
 *
 * The names are protocol's AGENT_STATES: heartbeats report them and the MP accepts no other.
 */
export type AgentState = AgentStateName;

/** The endpoint that last answered, as `siteport client status` shows it. */
export interface LastContact {
  port: number;
  protocol: 'http' | 'https';
  /** ISO 8601 time of the contact. */
  at: string;
  /** Management point host that answered. */
  mp: string;
  /** The IPv6 or IPv4 address the connection went to (Happy Eyeballs picks it). */
  address?: string;
  /** Set when the answer came through the site's gateway (no management point answered directly). */
  via?: 'gateway';
}

/** The last failure the agent met, for status and troubleshooting. */
export interface LastError {
  code: ErrorCode;
  message: string;
  at: string;
}

/** Contents of `status.json`, written by the agent. */
export interface AgentStatus {
  state: AgentState;
  lastContact: LastContact | null;
  lastError: LastError | null;
  /** ISO time the last policy was downloaded. */
  lastPolicyAt: string | null;
  /** Discovery order and the outcome of the last directory and DNS lookups; null before the agent ran. */
  discovery: DiscoveryStatus | null;
}

/** The status of an agent that never ran. */
export function initialAgentStatus(): AgentStatus {
  return { state: 'idle', lastContact: null, lastError: null, lastPolicyAt: null, discovery: null };
}
