import { type Policy, type ProbeReport, SiteportError } from '@siteport/protocol';
import type { ProbeResult, RolloutRepository } from './rollout-repository.js';
import type { PortSettingsService } from '../port-settings-service.js';
import { type Rollout, isOpen } from './rollout-state.js';

/** What the reachability map knows of some ports: fresh results per client, and the ports every active client has one for. */
export interface MapKnowledge {
  /** Ports for which every active client of the site has a fresh result: no need to probe them. */
  known: readonly number[];
  /** Each client's fresh results for the known ports. */
  results: ReadonlyMap<string, readonly { port: number; reachable: boolean; outcome: string }[]>;
}

/**
 * The pre-flight side of rollouts that every MP serves: which endpoints clients should
 * test-connect to, and storing what they reached. Needs only the database, so additional MP
 * processes use it without the rollout service's progress check. With the reachability map
 * (decision 0109) it asks clients to probe only the ports the map does not know fresh for every
 * client, and stores the map's results for the others, marked `fromMap`.
 */
export class PreflightProbes {
  /** Pre-flights whose map results were stored by this process. */
  private readonly seeded = new Set<string>();

  constructor(
    private readonly deps: {
      siteCode: string;
      rollouts: RolloutRepository;
      ports: PortSettingsService;
      /** What the reachability map knows fresh of these ports. */
      map?: (ports: readonly number[]) => Promise<MapKnowledge>;
    },
  ) {}

  /** The open pre-flight of this site, if any. */
  async current(): Promise<Rollout | undefined> {
    return (await this.deps.rollouts.open(this.deps.siteCode)).find((r) => r.state === 'preflight' && isOpen(r.state));
  }

  /** What policy tells clients to probe: the probe-mode endpoints of the open pre-flight the map does not know. */
  async policyProbe(): Promise<Policy['probe']> {
    const preflight = await this.current();
    if (preflight === undefined) return undefined;
    const served = await this.deps.ports.served(this.deps.siteCode);
    const endpoints = served
      .filter((e) => e.role === 'probe' && e.rolloutId === preflight.id)
      .map((e) => ({ protocol: e.protocol, port: e.port }));
    if (this.deps.map === undefined || endpoints.length === 0) return { rolloutId: preflight.id, endpoints };
    const knowledge = await this.deps.map(endpoints.map((e) => e.port));
    const known = new Set(knowledge.known);
    if (known.size > 0) await this.seed(preflight.id, endpoints, known, knowledge);
    return { rolloutId: preflight.id, endpoints: endpoints.filter((e) => !known.has(e.port)) };
  }

  /** Stores the map's results for the known ports as the pre-flight's, for clients that have not reported. */
  private async seed(
    rolloutId: string,
    endpoints: readonly { protocol: 'http' | 'https'; port: number }[],
    known: ReadonlySet<number>,
    knowledge: MapKnowledge,
  ): Promise<void> {
    if (this.seeded.has(rolloutId)) return;
    const at = new Date().toISOString();
    const protocolOf = new Map(endpoints.map((e) => [e.port, e.protocol]));
    for (const [clientId, results] of knowledge.results) {
      const fromMap: ProbeResult[] = results
        .filter((r) => known.has(r.port))
        .map((r) => ({
          protocol: protocolOf.get(r.port) ?? 'http',
          port: r.port,
          reachable: r.reachable,
          ...(r.reachable ? {} : { error: r.outcome }),
          fromMap: true,
        }));
      if (fromMap.length > 0) await this.deps.rollouts.seedProbe(rolloutId, clientId, at, fromMap);
    }
    this.seeded.add(rolloutId);
  }

  /**
   * Stores what a client reached during a pre-flight (only while that rollout is in pre-flight),
   * beside the map's results for the ports it was not asked to probe.
   */
  async record(clientId: string, report: ProbeReport): Promise<void> {
    const rollout = await this.deps.rollouts.find(report.rolloutId);
    if (rollout === undefined || rollout.state !== 'preflight') {
      throw new SiteportError('E_ROLLOUT_STATE', `rollout ${report.rolloutId} is not in pre-flight; nothing to report`);
    }
    // A client never says a result came from the map.
    const own: ProbeResult[] = report.results.map(({ fromMap: _ignored, ...r }) => r);
    const probed = new Set(own.map((r) => r.port));
    const earlier = (await this.deps.rollouts.probe(rollout.id, clientId)) ?? [];
    const kept = earlier.filter((r) => r.fromMap === true && !probed.has(r.port));
    await this.deps.rollouts.saveProbe(rollout.id, clientId, new Date().toISOString(), [...kept, ...own]);
  }
}
