import { type ImpactClient, type ImpactReport, type PortSettings, requestEndpoints } from '@siteport/protocol';
import { type ClientRecord, isActive } from '../../clients/index.js';
import type { ProbeResult } from './rollout-repository.js';
import { changeWarnings } from '../change-warnings.js';
import { type RemediationContext, remediationCommands } from './remediation.js';

/** Inputs of an impact report. */
export interface ImpactInput {
  siteCode: string;
  rolloutId: string | null;
  from: PortSettings;
  to: PortSettings;
  clients: readonly ClientRecord[];
  activeWindowSeconds: number;
  now: Date;
  /** Whether the site publishes its ports to a directory that directory-joined clients read. */
  directoryPublishing: boolean;
  probes: ReadonlyMap<string, readonly ProbeResult[]> | null;
  remediation: RemediationContext;
}

const endpointKeys = (s: PortSettings) => requestEndpoints(s).map((e) => ({ protocol: e.protocol, port: e.port }));

/**
 * Before a change is applied: per client, how it will learn the new ports (directory, policy
 * during the overlap, or nothing), whether it is at risk and the exact remediation; counts per
 * category; the warnings with concrete numbers; and pre-flight results.
 */
export function impactReport(input: ImpactInput): ImpactReport {
  const { from, to } = input;
  const fromKeys = endpointKeys(from);
  const toKeys = endpointKeys(to);
  const has = (list: { protocol: string; port: number }[], e: { protocol: string; port: number }): boolean =>
    list.some((x) => x.protocol === e.protocol && x.port === e.port);
  const removed = fromKeys.filter((e) => !has(toKeys, e));
  const added = toKeys.filter((e) => !has(fromKeys, e));

  const clients: ImpactClient[] = input.clients.map((c) => {
    const active = isActive(c, input.activeWindowSeconds, input.now);
    const learnsVia: ImpactClient['learnsVia'] =
      c.category === 'directory-joined' && input.directoryPublishing ? 'directory' : active ? 'policy' : 'nothing';
    const probe = input.probes?.get(c.id);
    const blocked = probe?.filter((r) => !r.reachable) ?? [];
    const reasons: string[] = [];
    if (learnsVia === 'nothing') {
      reasons.push(
        'inactive and cannot read the directory: it will not hear of the new ports before the old ones close',
      );
    }
    if (blocked.length > 0) {
      reasons.push(
        `cannot reach ${blocked.map((r) => `${r.protocol.toUpperCase()} ${r.port}`).join(', ')} in the pre-flight`,
      );
    }
    const atRisk = reasons.length > 0;
    const remediation = atRisk ? remediationCommands(c, to, input.remediation) : [];
    if (blocked.length > 0)
      remediation.unshift(
        `allow TCP ${blocked.map((r) => r.port).join(', ')} between ${c.hostname} and the management point`,
      );
    return {
      clientId: c.id,
      hostname: c.hostname,
      category: c.category,
      activity: active ? 'active' : 'inactive',
      lastContact:
        c.lastContact === null
          ? null
          : { at: c.lastContact.at, port: c.lastContact.port, protocol: c.lastContact.protocol },
      learnsVia,
      atRisk,
      ...(atRisk ? { reason: reasons.join('; ') } : {}),
      remediation,
      ...(probe === undefined ? {} : { probe: [...probe] }),
    };
  });

  const counts: ImpactReport['counts'] = {};
  for (const c of clients) {
    const row = (counts[c.category] ??= { total: 0, active: 0, directory: 0, policy: 0, nothing: 0 });
    row.total += 1;
    if (c.activity === 'active') row.active += 1;
    row[c.learnsVia] += 1;
  }

  let preflight: ImpactReport['preflight'] = null;
  if (input.probes !== null) {
    const unreachable = added.map((e) => {
      const ids = [...input.probes!.entries()]
        .filter(([, results]) => results.some((r) => r.protocol === e.protocol && r.port === e.port && !r.reachable))
        .map(([id]) => id);
      return {
        ...e,
        clients: ids,
        message: `${ids.length} client(s) cannot reach TCP ${e.port} (${e.protocol.toUpperCase()}): a firewall or network device between them and the management point blocks it`,
      };
    });
    const fromMap = [...input.probes.values()].filter((results) => results.some((r) => r.fromMap === true)).length;
    preflight = {
      reported: input.probes.size,
      ...(fromMap > 0 ? { fromMap } : {}),
      unreachable: unreachable.filter((u) => u.clients.length > 0),
    };
  }

  return {
    siteCode: input.siteCode,
    rolloutId: input.rolloutId,
    removed,
    added,
    counts,
    atRisk: clients.filter((c) => c.atRisk),
    clients,
    warnings: changeWarnings(from, to, input.clients),
    preflight,
  };
}
