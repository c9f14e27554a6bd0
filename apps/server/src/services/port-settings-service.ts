import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type PortChange,
  type PortChangeResult,
  type PortSettings,
  type PortsView,
  SiteportError,
  applyPortChange,
  isEmptyChange,
  requestEndpoints,
} from '@siteport/protocol';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { ClientRepository } from '../repositories/client-repository.js';
import type { OverlapRepository, PortOverlap } from '../repositories/overlap-repository.js';
import type { SiteRecord, SiteRepository, StoredPorts } from '../repositories/site-repository.js';
import { changeWarnings } from './change-warnings.js';
import { portsView } from './ports-view.js';
import type { SiteEvents } from './site-events.js';

/** Proves that this site's MP can bind ports it does not hold yet (SPEC B4). */
export interface PortBinder {
  checkBindable(ports: readonly { item: string; port: number }[]): Promise<void>;
}

/** How many policy intervals an MP keeps serving old request ports after a change. */
export const OVERLAP_POLICY_INTERVALS = 2;

/** Reads and changes a site's port settings: validation, test-bind, versioning, overlap, audit. */
export class PortSettingsService {
  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      sites: SiteRepository;
      overlaps: OverlapRepository;
      clients: ClientRepository;
      audit: AuditRepository;
      events: SiteEvents;
      binder: PortBinder;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async site(code: string): Promise<SiteRecord> {
    const site = await this.deps.sites.find(code);
    if (site === undefined) {
      const known = await this.deps.sites.listCodes();
      throw new SiteportError('E_SITE_NOT_FOUND', `no site ${code} here; this server has ${known.join(', ') || 'no sites'}`, {
        details: { siteCode: code },
      });
    }
    return site;
  }

  async stored(code: string): Promise<StoredPorts> {
    await this.site(code);
    const stored = await this.deps.sites.ports(code);
    if (stored === undefined) throw new SiteportError('E_INTERNAL', `site ${code} has no port settings row`);
    return stored;
  }

  /** Overlapping old ports still served, without the expired ones. */
  async overlaps(code: string): Promise<PortOverlap[]> {
    const now = this.now().toISOString();
    return (await this.deps.overlaps.list(code)).filter((o) => o.until > now);
  }

  async view(code: string): Promise<PortsView> {
    return portsView(await this.stored(code), await this.overlaps(code));
  }

  /**
   * Applies a change: validates the whole result, test-binds new ports, stores it as a new
   * version with the old request ports overlapping for two policy intervals, and audits it.
   * Nothing is stored when any step fails.
   */
  async change(code: string, change: PortChange, actor: string): Promise<PortChangeResult> {
    const site = await this.site(code);
    if (isEmptyChange(change)) {
      throw new SiteportError('E_VALIDATION', 'nothing to change: name at least one item, e.g. http=8080');
    }
    const current = await this.stored(code);
    if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
      throw versionConflict(code, change.expectedVersion, current.version);
    }
    const next = applyPortChange(current.settings, change);
    await this.deps.binder.checkBindable(newTcpPorts(current.settings, next));

    const at = this.now();
    const overlapSeconds = site.policyIntervalSeconds * OVERLAP_POLICY_INTERVALS;
    const until = new Date(at.getTime() + overlapSeconds * 1000).toISOString();
    // A port that stays in use (even by the other protocol) cannot also overlap.
    const nextPorts = new Set(requestEndpoints(next).map((e) => e.port));
    const retired = requestEndpoints(current.settings)
      .filter((e) => !nextPorts.has(e.port))
      .map((e) => ({ protocol: e.protocol, port: e.port, until }));
    const stored: StoredPorts = {
      siteCode: code,
      settings: next,
      communicationMode: change.communicationMode ?? current.communicationMode,
      version: current.version + 1,
      updatedAt: at.toISOString(),
      updatedBy: actor,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.sites.replacePorts(trx, stored, current.version))) {
        throw versionConflict(code, current.version, current.version + 1);
      }
      await this.deps.overlaps.removePorts(trx, code, [
        ...requestEndpoints(next),
        ...requestEndpoints(next).map((e) => ({ protocol: e.protocol === 'http' ? ('https' as const) : ('http' as const), port: e.port })),
      ]);
      await this.deps.overlaps.upsert(trx, code, retired);
      await this.deps.audit.append(trx, {
        at: stored.updatedAt,
        actor,
        siteCode: code,
        action: 'ports.change',
        oldValue: { ...current.settings, communicationMode: current.communicationMode, version: current.version },
        newValue: { ...next, communicationMode: stored.communicationMode, version: stored.version },
        outcome: 'applied',
      });
    });
    this.deps.events.portsChanged(code, stored.version);
    const clients = await this.deps.clients.listBySite(code);
    return {
      ports: portsView(stored, await this.overlaps(code)),
      warnings: changeWarnings(current.settings, next, clients, overlapSeconds),
    };
  }
}

function versionConflict(code: string, expected: number, actual: number): SiteportError {
  return new SiteportError(
    'E_VERSION_CONFLICT',
    `the ports of site ${code} are at version ${actual}, not ${expected}: someone else changed them; read them again and retry`,
    { details: { expected, actual } },
  );
}

/** TCP ports the change adds: each must be bindable before the change is accepted. */
function newTcpPorts(before: PortSettings, after: PortSettings): { item: string; port: number }[] {
  const held = new Set([...requestEndpoints(before).map((e) => e.port), before.notification]);
  const wanted = [
    ...requestEndpoints(after).map((e) => ({ item: e.role === 'default' ? e.protocol : `${e.protocol}-alternate`, port: e.port })),
    { item: 'notification', port: after.notification },
  ];
  return wanted.filter((w) => !held.has(w.port));
}
