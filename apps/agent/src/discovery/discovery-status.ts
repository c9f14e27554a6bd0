import type { LastError } from '../agent-status.js';

/** Where a management point host came from, in the order the agent tries them. */
export const DISCOVERY_SOURCES = ['stored', 'directory', 'dns'] as const;
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number];

/** What `siteport client status` shows about discovery (status.json `discovery`). */
export interface DiscoveryStatus {
  /** The sources this client uses, in order: its stored MP list, then the directory, then DNS SRV. */
  order: DiscoverySource[];
  /** Where the host that last answered came from. */
  lastContactSource: DiscoverySource | null;
  /** Null for a client without directory access. */
  directory: {
    lastLookupAt: string | null;
    /** Settings version the directory published at the last lookup. */
    publishedVersion: number | null;
    /** Last time a newer version was adopted from the directory. */
    adoptedAt: string | null;
    managementPoints: string[];
    lastError: LastError | null;
  } | null;
  /** Null when the client has no DNS domain. */
  dns: {
    name: string;
    lastLookupAt: string | null;
    accepted: string[];
    /** Records ignored, each with the reason (port mismatch). */
    rejected: string[];
    lastError: LastError | null;
  } | null;
}
