import type { ImpactReport, PortChange } from '@siteport/protocol';
import type { ClientService } from '../../clients/index.js';
import type { PortSettingsService } from '../port-settings-service.js';
import { impactReport } from './impact.js';
import type { RemediationContext } from './remediation.js';
import type { RolloutRepository } from './rollout-repository.js';
import type { Rollout } from './rollout-state.js';

/** What an impact report reads. */
interface ImpactDeps {
  ports: PortSettingsService;
  rollouts: RolloutRepository;
  clients: ClientService;
  remediation: RemediationContext;
  flushActivity: () => Promise<void>;
  directoryPublishing: () => boolean;
}

/** The impact report of a rollout (with pre-flight results), or of a change not yet proposed. */
export async function rolloutImpact(
  deps: ImpactDeps,
  find: (id: string) => Promise<Rollout>,
  code: string,
  source: { rolloutId: string } | { change: PortChange },
): Promise<ImpactReport> {
  const site = await deps.ports.site(code);
  await deps.flushActivity();
  let from;
  let to;
  let rolloutId: string | null = null;
  let probes = null;
  if ('rolloutId' in source) {
    const rollout = await find(source.rolloutId);
    ({ settings: from } = rollout.old);
    ({ settings: to } = rollout.next);
    rolloutId = rollout.id;
    probes = rollout.preflight ? await deps.rollouts.probes(rollout.id) : null;
  } else {
    const prepared = await deps.ports.prepare(code, source.change);
    from = prepared.current.settings;
    to = prepared.next.settings;
  }
  return impactReport({
    siteCode: code,
    rolloutId,
    from,
    to,
    clients: await deps.clients.records(code),
    activeWindowSeconds: site.activeWindowSeconds,
    now: new Date(),
    directoryPublishing: deps.directoryPublishing(),
    probes,
    remediation: deps.remediation,
  });
}
