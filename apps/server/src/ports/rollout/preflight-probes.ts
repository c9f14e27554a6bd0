import { type Policy, type ProbeReport, SiteportError } from '@siteport/protocol';
import type { RolloutRepository } from './rollout-repository.js';
import type { PortSettingsService } from '../port-settings-service.js';
import { type Rollout, isOpen } from './rollout-state.js';

/**
 * The pre-flight side of rollouts that every MP serves (SPEC B3): which endpoints clients should
 * test-connect to, and storing what they reached. Needs only the database, so additional MP
 * processes use it without the rollout service's progress check.
 */
export class PreflightProbes {
  constructor(
    private readonly deps: {
      siteCode: string;
      rollouts: RolloutRepository;
      ports: PortSettingsService;
    },
  ) {}

  /** The open pre-flight of this site, if any. */
  async current(): Promise<Rollout | undefined> {
    return (await this.deps.rollouts.open(this.deps.siteCode)).find((r) => r.state === 'preflight' && isOpen(r.state));
  }

  /** What policy tells clients to probe: the probe-mode endpoints of the open pre-flight. */
  async policyProbe(): Promise<Policy['probe']> {
    const preflight = await this.current();
    if (preflight === undefined) return undefined;
    const served = await this.deps.ports.served(this.deps.siteCode);
    const endpoints = served
      .filter((e) => e.role === 'probe' && e.rolloutId === preflight.id)
      .map((e) => ({ protocol: e.protocol, port: e.port }));
    return { rolloutId: preflight.id, endpoints };
  }

  /** Stores what a client reached during a pre-flight (only while that rollout is in pre-flight). */
  async record(clientId: string, report: ProbeReport): Promise<void> {
    const rollout = await this.deps.rollouts.find(report.rolloutId);
    if (rollout === undefined || rollout.state !== 'preflight') {
      throw new SiteportError('E_ROLLOUT_STATE', `rollout ${report.rolloutId} is not in pre-flight; nothing to report`);
    }
    await this.deps.rollouts.saveProbe(rollout.id, clientId, new Date().toISOString(), report.results);
  }
}
