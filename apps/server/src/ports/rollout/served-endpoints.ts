import { type PortSettings, requestEndpoints } from '@siteport/protocol';
import type { Rollout } from './rollout-state.js';

/** One listener the site's MPs hold, and why. */
export interface ServedEndpoint {
  protocol: 'http' | 'https';
  port: number;
  /** `current`: the site's settings; `overlap`: ports of the other side of an open rollout; `probe`: pre-flight only. */
  role: 'current' | 'overlap' | 'probe';
  item: string;
  /** For overlap: when the rollout's deadline closes it at the latest. */
  until?: string;
  rolloutId?: string;
}

/**
 * The endpoints MPs serve for a site: its current request endpoints, plus for each open rollout
 * the endpoints of the side that is not current (old ports while overlapping, new ports while
 * rolling back), plus the new endpoints in probe mode during a pre-flight. A port number serves
 * one protocol at a time: the current settings win.
 */
export function servedEndpoints(current: PortSettings, open: readonly Rollout[]): ServedEndpoint[] {
  const served: ServedEndpoint[] = requestEndpoints(current).map((e) => ({
    protocol: e.protocol,
    port: e.port,
    role: 'current',
    item: e.role === 'default' ? e.protocol : `${e.protocol}-alternate`,
  }));
  const taken = new Set(served.map((e) => e.port));
  const add = (e: ServedEndpoint): void => {
    if (taken.has(e.port)) return;
    taken.add(e.port);
    served.push(e);
  };
  for (const rollout of open) {
    const other =
      rollout.state === 'overlapping'
        ? rollout.old.settings
        : rollout.state === 'rolling-back'
          ? rollout.next.settings
          : undefined;
    if (other !== undefined) {
      for (const e of requestEndpoints(other)) {
        add({
          protocol: e.protocol,
          port: e.port,
          role: 'overlap',
          item: `old ${e.protocol}`,
          until: rollout.deadline,
          rolloutId: rollout.id,
        });
      }
    }
    if (rollout.state === 'preflight') {
      for (const e of requestEndpoints(rollout.next.settings)) {
        add({ protocol: e.protocol, port: e.port, role: 'probe', item: `probe ${e.protocol}`, rolloutId: rollout.id });
      }
    }
  }
  return served;
}

/** "protocol:port" keys of what is served for client requests (not probes). */
export function servedKeys(served: readonly ServedEndpoint[]): Set<string> {
  return new Set(served.filter((e) => e.role !== 'probe').map((e) => `${e.protocol}:${e.port}`));
}
