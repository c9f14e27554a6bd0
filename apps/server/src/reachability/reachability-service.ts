import {
  type PolicyReachability,
  type PortPlan,
  type PortPlanItem,
  type PortPlanQuery,
  PORT_PLAN_ITEMS,
  type ProbeReport,
  type ReachabilityMatrix,
  type ReachabilityReport,
  type ReachabilitySettings,
  SiteportError,
} from '@siteport/protocol';
import type { AuditRepository } from '../site/index.js';
import { aggregate, countBySubnet, isReachable, standing } from './aggregate.js';
import type { ReachabilityRepository, StoredResult } from './reachability-repository.js';
import { subnetOf } from './subnet.js';

/** A report's test times may run this far ahead of the MP's clock (clock skew), and no further. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** A result tested longer ago than this is refused: it says nothing about the network now. */
const OLDEST_MS = 7 * 86_400_000;
const DEFAULT_PAGE = 100;

/** The ports of a site the map has columns for, with what each is used for. */
export interface SitePorts {
  /** Ports in use: request ports, alternates and the notification port, each with its item name. */
  inUse: readonly { port: number; item: PortPlanItem }[];
  /** Ports an open pre-flight serves in probe mode. */
  probing: readonly number[];
  /** Old ports a rollout still serves beside the new ones (agents not yet moved report them). */
  overlap: readonly number[];
}

/**
 * The reachability map (decision 0109): agents' slow-schedule reports and pre-flight results
 * stored per client and port with the client's subnet, the subnet × port matrix, and what moving
 * a port would do (`ports plan`).
 */
export class ReachabilityService {
  constructor(
    private readonly deps: {
      repository: ReachabilityRepository;
      audit: AuditRepository;
      /** The ports the site uses and probes now. */
      ports: (siteCode: string) => Promise<SitePorts>;
      /** The request and notification ports in use, without a database read when they are held: a report naming only these needs no other look-up. */
      inUse?: (siteCode: string) => Promise<ReadonlySet<number>>;
      /** Told after the settings changed (the policy announces them). */
      onSettingsChanged?: () => void;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** What policy announces: how often to probe and the candidate ports. */
  async policy(siteCode: string): Promise<PolicyReachability> {
    const s = await this.deps.repository.settings(siteCode);
    return { intervalSeconds: s.intervalSeconds, candidates: s.candidates };
  }

  settings(siteCode: string): Promise<ReachabilitySettings> {
    return this.deps.repository.settings(siteCode);
  }

  async setSettings(siteCode: string, next: ReachabilitySettings, actor: string): Promise<ReachabilitySettings> {
    const ports = next.candidates.map((c) => c.port);
    if (new Set(ports).size !== ports.length) {
      throw new SiteportError('E_VALIDATION', 'each candidate port may be listed once; remove the repeated port');
    }
    const old = await this.deps.repository.settings(siteCode);
    const at = this.now().toISOString();
    // One transaction: a change is applied with its audit record or not at all.
    await this.deps.repository.database.transaction().execute(async (trx) => {
      await this.deps.repository.saveSettings(siteCode, next, at, actor, trx);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'reachability.settings',
        oldValue: old,
        newValue: next,
        outcome: 'applied',
      });
    });
    this.deps.onSettingsChanged?.();
    return next;
  }

  /**
   * Stores an agent's report for the client the request authenticated. Each port must be one the
   * site uses, probes in a pre-flight or lists as a candidate; each port once; test times within
   * the last 7 days and not ahead of the MP's clock by more than 5 minutes. `admit` is called once
   * the report is found valid, before anything is stored; it throws to refuse the report (a rate limit).
   */
  async record(
    siteCode: string,
    clientId: string,
    address: string | undefined,
    report: ReachabilityReport,
    admit?: () => void,
  ) {
    const now = this.now().getTime();
    // Most reports name only ports in use (always allowed): then the pre-flight and candidate ports are not read.
    const inUse = await this.deps.inUse?.(siteCode);
    const allowed =
      inUse !== undefined && report.results.every((r) => inUse.has(r.port)) ? inUse : await this.probedPorts(siteCode);
    const seen = new Set<number>();
    const results: StoredResult[] = [];
    const subnet = subnetOf(address);
    for (const [i, r] of report.results.entries()) {
      if (seen.has(r.port)) throw refused(i, `port ${r.port} is reported twice`);
      seen.add(r.port);
      if (!allowed.has(r.port)) {
        throw refused(i, `port ${r.port} is not a port of this site, of its pre-flight or of its candidates`);
      }
      const at = Date.parse(r.testedAt);
      if (!(at <= now + FUTURE_SKEW_MS && at >= now - OLDEST_MS)) {
        throw refused(i, `testedAt ${r.testedAt} is not within the last 7 days (check the client's clock)`);
      }
      results.push({
        clientId,
        port: r.port,
        transport: r.transport,
        outcome: r.outcome,
        subnet,
        testedAt: new Date(at).toISOString(),
        source: 'agent',
      });
    }
    admit?.();
    await this.deps.repository.save(siteCode, results);
    return results.length;
  }

  /** Feeds a client's pre-flight report into the map: pre-flight ports are candidates the map learns about. */
  async recordPreflight(siteCode: string, clientId: string, address: string | undefined, report: ProbeReport) {
    const testedAt = this.now().toISOString();
    const subnet = subnetOf(address);
    const byPort = new Map(report.results.map((r) => [r.port, r]));
    await this.deps.repository.save(
      siteCode,
      [...byPort.values()].map((r) => ({
        clientId,
        port: r.port,
        transport: r.protocol === 'https' ? 'tls' : 'tcp',
        outcome: r.reachable ? 'reachable' : preflightOutcome(r.error),
        subnet,
        testedAt,
        source: 'preflight',
      })),
    );
  }

  /**
   * What the map knows fresh of these ports, for a pre-flight: each active client's fresh results,
   * and the ports every active client has a fresh result for (those need no probing).
   */
  async knownFor(siteCode: string, ports: readonly number[]) {
    const settings = await this.deps.repository.settings(siteCode);
    const staleBefore = this.staleBefore(settings.staleHours);
    const [clients, stored] = await Promise.all([
      this.deps.repository.activeClients(siteCode),
      this.deps.repository.forPorts(siteCode, ports),
    ]);
    const active = new Set(clients.map((c) => c.id));
    const results = new Map<string, { port: number; reachable: boolean; outcome: string }[]>();
    for (const r of stored) {
      if (!active.has(r.clientId) || standing(r, staleBefore) === 'unknown') continue;
      const list = results.get(r.clientId) ?? [];
      list.push({ port: r.port, reachable: isReachable(r.outcome), outcome: r.outcome });
      results.set(r.clientId, list);
    }
    const known = ports.filter(
      (port) => clients.length > 0 && clients.every((c) => results.get(c.id)?.some((r) => r.port === port) === true),
    );
    return { known, results };
  }

  /** Ports a report may name. */
  private async probedPorts(siteCode: string): Promise<Set<number>> {
    const [ports, settings] = await Promise.all([this.deps.ports(siteCode), this.deps.repository.settings(siteCode)]);
    return new Set([
      ...ports.inUse.map((p) => p.port),
      ...ports.probing,
      ...ports.overlap,
      ...settings.candidates.map((c) => c.port),
    ]);
  }

  private staleBefore(staleHours: number): string {
    return new Date(this.now().getTime() - staleHours * 3_600_000).toISOString();
  }

  /** The subnet × port matrix, a page of subnets at a time (in subnet order). */
  async matrix(siteCode: string, page: { limit?: number; cursor?: string }): Promise<ReachabilityMatrix> {
    const limit = page.limit ?? DEFAULT_PAGE;
    const [sitePorts, settings] = await Promise.all([
      this.deps.ports(siteCode),
      this.deps.repository.settings(siteCode),
    ]);
    const roles = new Map<number, string[]>();
    const add = (port: number, role: string): void => void roles.set(port, [...(roles.get(port) ?? []), role]);
    for (const p of sitePorts.inUse) add(p.port, p.item);
    for (const port of sitePorts.probing) add(port, 'preflight');
    for (const c of settings.candidates) add(c.port, 'candidate');
    const ports = [...roles.keys()].sort((a, b) => a - b);
    const subnets = await this.deps.repository.subnets(siteCode, limit + 1, page.cursor);
    const shown = subnets.slice(0, limit);
    const groups = await this.deps.repository.groups(siteCode, shown, this.staleBefore(settings.staleHours));
    return {
      siteCode,
      staleHours: settings.staleHours,
      ports: ports.map((port) => ({ port, roles: roles.get(port) ?? [] })),
      subnets: aggregate(groups, ports),
      nextCursor: subnets.length > limit ? (shown[shown.length - 1] ?? null) : null,
    };
  }

  /** What moving each named item to its port would do, from the map alone (nothing changes). */
  async plan(siteCode: string, query: PortPlanQuery): Promise<PortPlan> {
    const items = PORT_PLAN_ITEMS.flatMap((item) => {
      const port = query[item];
      return port === undefined ? [] : [{ item, port }];
    });
    if (items.length === 0) {
      throw new SiteportError(
        'E_VALIDATION',
        'name at least one port item to plan: http, https, httpAlternate, httpsAlternate or notification',
      );
    }
    const settings = await this.deps.repository.settings(siteCode);
    const staleBefore = this.staleBefore(settings.staleHours);
    const [clients, results] = await Promise.all([
      this.deps.repository.activeClients(siteCode),
      this.deps.repository.forPorts(
        siteCode,
        items.map((i) => i.port),
      ),
    ]);
    const latest = new Map(results.map((r) => [`${r.clientId}:${r.port}`, r]));
    const anySubnet = new Map(results.map((r) => [r.clientId, r.subnet]));
    return {
      siteCode,
      clients: clients.length,
      staleHours: settings.staleHours,
      items: items.map(({ item, port }) => {
        const lose: string[] = [];
        const unknown: string[] = [];
        let reachable = 0;
        for (const c of clients) {
          const result = latest.get(`${c.id}:${port}`);
          const subnet = result?.subnet ?? anySubnet.get(c.id) ?? subnetOf(c.lastAddress ?? undefined);
          const s = standing(result, staleBefore);
          if (s === 'reachable') reachable += 1;
          else if (s === 'blocked') lose.push(subnet);
          else unknown.push(subnet);
        }
        return {
          item,
          port,
          reachable,
          lose: lose.length,
          loseSubnets: countBySubnet(lose),
          unknown: unknown.length,
          unknownSubnets: countBySubnet(unknown),
        };
      }),
    };
  }
}

function refused(index: number, why: string): SiteportError {
  return new SiteportError('E_VALIDATION', `reachability report: /results/${index}: ${why}`);
}

/** A pre-flight's error text as one of the map's outcomes. */
function preflightOutcome(error: string | undefined): 'refused' | 'timeout' | 'unreachable' {
  if (error === 'ECONNREFUSED') return 'refused';
  if (error !== undefined && /timeout|ETIMEDOUT|no answer/i.test(error)) return 'timeout';
  return 'unreachable';
}
