import type { Kysely, SiteDatabase, Transaction } from '@siteport/db';
import {
  type ChangeWarning,
  type PortChange,
  type PortSettings,
  type PortsView,
  SiteportError,
  applyPortChange,
  isEmptyChange,
  requestEndpoints,
} from '@siteport/protocol';
import type { AuditRepository, SiteEvents, SiteRecord, SiteRepository, StoredPorts } from '../site/index.js';
import type { RolloutRepository } from './rollout/rollout-repository.js';
import type { SettingsSnapshot } from './rollout/rollout-state.js';
import { type ServedEndpoint, servedEndpoints } from './rollout/served-endpoints.js';
import { assertOwnPorts } from './assert-own-ports.js';
import type { PortChangeGuard } from './port-change-guard.js';
import { portsView } from './ports-view.js';

/** Proves that this site's MP can bind ports it does not hold yet. */
export interface PortBinder {
  checkBindable(ports: readonly { item: string; port: number }[]): Promise<void>;
}

/** A validated, test-bound change that has not been stored yet. */
export interface PreparedChange {
  site: SiteRecord;
  current: StoredPorts;
  next: SettingsSnapshot;
  /** Warnings of the guard (e.g. the web applications that move with the default web site). */
  warnings: ChangeWarning[];
}

/**
 * Reads a site's port settings and the endpoints its MPs serve, validates changes (whole result,
 * test-bind) and writes new versions with their audit records. Changes of request or notification
 * ports go through the rollout service, which uses {@link prepare} and {@link writeVersion}.
 */
export class PortSettingsService {
  /**
   * The settings of a change while it is announced: the listeners settling it read them from here
   * instead of the database. A stored version never changes, so this is the row as stored; an
   * announcement of another version drops it.
   */
  private readonly announced = new Map<string, StoredPorts>();

  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      sites: SiteRepository;
      rollouts: RolloutRepository;
      audit: AuditRepository;
      events: SiteEvents;
      binder: PortBinder;
      /** Checks and completes every change (hierarchy, default web site). */
      guard?: PortChangeGuard;
      /** Endpoints served besides the site's own rollouts (a secondary's inherited overlap). */
      extraServed?: (code: string) => Promise<ServedEndpoint[]>;
    },
  ) {
    deps.events.on('ports-changed', (code, version) => {
      if (this.announced.get(code)?.version !== version) this.announced.delete(code);
    });
  }

  async site(code: string): Promise<SiteRecord> {
    const site = await this.deps.sites.find(code);
    if (site === undefined) {
      const known = await this.deps.sites.listCodes();
      throw new SiteportError(
        'E_SITE_NOT_FOUND',
        `no site ${code} here; this server has ${known.join(', ') || 'no sites'}`,
        {
          details: { siteCode: code },
        },
      );
    }
    return site;
  }

  /** A site's stored port settings: one read (the site row only to explain a miss). */
  async stored(
    code: string,
    db: Kysely<SiteDatabase> | Transaction<SiteDatabase> = this.deps.db,
  ): Promise<StoredPorts> {
    const announced = db === this.deps.db ? this.announced.get(code) : undefined;
    if (announced !== undefined) return announced;
    const stored = await this.deps.sites.ports(code, db);
    if (stored !== undefined) return stored;
    await this.site(code);
    throw new SiteportError('E_INTERNAL', `site ${code} has no port settings row`);
  }

  /** Every endpoint the site's MPs serve now: current ports, overlapping old ones, probe ports. */
  async served(code: string, stored?: StoredPorts): Promise<ServedEndpoint[]> {
    const served = servedEndpoints((stored ?? (await this.stored(code))).settings, await this.deps.rollouts.open(code));
    const taken = new Set(served.map((e) => e.port));
    return [...served, ...((await this.deps.extraServed?.(code)) ?? []).filter((e) => !taken.has(e.port))];
  }

  /** The Ports tab; a caller that holds the site row and the stored settings passes them (no read again). */
  async view(code: string, known?: { site: SiteRecord; stored: StoredPorts }): Promise<PortsView> {
    const stored = known?.stored ?? (await this.stored(code));
    const served = await this.served(code, stored);
    const { parentCode } = known?.site ?? (await this.site(code));
    const view = portsView(
      stored,
      served
        .filter((e) => e.role === 'overlap')
        .map((e) => ({ protocol: e.protocol, port: e.port, until: e.until ?? '' })),
    );
    return parentCode === null ? view : { ...view, inheritedFrom: parentCode };
  }

  /**
   * Validates a change as a whole and test-binds the TCP ports it adds; stores nothing. Reads the
   * site row and its settings once each; whoever applies the change passes the result along.
   */
  async prepare(code: string, change: PortChange): Promise<PreparedChange> {
    const site = await this.site(code);
    assertOwnPorts(site);
    if (isEmptyChange(change)) {
      throw new SiteportError('E_VALIDATION', 'nothing to change: name at least one item, e.g. http=8080');
    }
    const current = await this.stored(code);
    if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
      throw versionConflict(code, change.expectedVersion, current.version);
    }
    const settings = applyPortChange(current.settings, change);
    const guarded = (await this.deps.guard?.prepare(code, current.settings, settings)) ?? { bind: [], warnings: [] };
    await this.deps.binder.checkBindable([...newTcpPorts(current.settings, settings), ...guarded.bind]);
    return {
      site,
      current,
      next: { settings, communicationMode: change.communicationMode ?? current.communicationMode },
      warnings: guarded.warnings,
    };
  }

  /** Stores `next` as the version after `current` inside `trx`, with an audit record. */
  async writeVersion(
    trx: Transaction<SiteDatabase>,
    current: StoredPorts,
    next: SettingsSnapshot,
    actor: string,
    action: string,
    at: string,
    extra: Record<string, unknown> = {},
  ): Promise<StoredPorts> {
    const stored: StoredPorts = {
      siteCode: current.siteCode,
      ...next,
      version: current.version + 1,
      updatedAt: at,
      updatedBy: actor,
    };
    if (!(await this.deps.sites.replacePorts(trx, stored, current.version))) {
      throw versionConflict(current.siteCode, current.version, current.version + 1);
    }
    await this.deps.guard?.write(trx, current.siteCode, current.settings, next.settings, at);
    await this.deps.audit.append(trx, {
      at,
      actor,
      siteCode: current.siteCode,
      action,
      oldValue: { ...current.settings, communicationMode: current.communicationMode, version: current.version },
      newValue: { ...next.settings, communicationMode: next.communicationMode, version: stored.version, ...extra },
      outcome: 'applied',
    });
    return stored;
  }

  /** Applies a change that moves no request or notification port (descriptions, wake, mode, web site). */
  async applyDirect(prepared: PreparedChange, actor: string): Promise<StoredPorts> {
    const at = new Date().toISOString();
    const stored = await this.deps.db
      .transaction()
      .execute((trx) => this.writeVersion(trx, prepared.current, prepared.next, actor, 'ports.change', at));
    await this.announce(stored);
    return stored;
  }

  /** Appends an audit record for a rollout event inside `trx`. */
  async auditEvent(
    trx: Transaction<SiteDatabase>,
    siteCode: string,
    actor: string,
    action: string,
    at: string,
    value: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.append(trx, {
      at,
      actor,
      siteCode,
      action,
      oldValue: null,
      newValue: value,
      outcome: 'applied',
    });
  }

  /**
   * Announces stored settings (listeners, policy cache, subscribers); resolves once the listeners
   * follow them. While they settle, they read these settings without going to the database.
   */
  async announce(stored: StoredPorts): Promise<void> {
    this.announced.set(stored.siteCode, stored);
    try {
      await this.deps.events.portsChanged(stored.siteCode, stored.version);
    } finally {
      if (this.announced.get(stored.siteCode) === stored) this.announced.delete(stored.siteCode);
    }
  }
}

function versionConflict(code: string, expected: number, actual: number): SiteportError {
  return new SiteportError(
    'E_VERSION_CONFLICT',
    `the ports of site ${code} are at version ${actual}, not ${expected}: someone else changed them; read them again and retry`,
    { details: { expected, actual } },
  );
}

/**
 * Whether a change takes a request endpoint away or moves the notification port, and so needs a
 * rollout. Adding an endpoint (a new alternate) strands nobody and applies directly.
 */
export function movesPorts(before: PortSettings, after: PortSettings): boolean {
  const kept = new Set(requestEndpoints(after).map((e) => `${e.protocol}:${e.port}`));
  return (
    before.notification !== after.notification ||
    requestEndpoints(before).some((e) => !kept.has(`${e.protocol}:${e.port}`))
  );
}

/** TCP ports the change adds: each must be bindable before the change is accepted. */
function newTcpPorts(before: PortSettings, after: PortSettings): { item: string; port: number }[] {
  const held = new Set([...requestEndpoints(before).map((e) => e.port), before.notification]);
  const wanted = [
    ...requestEndpoints(after).map((e) => ({
      item: e.role === 'default' ? e.protocol : `${e.protocol}-alternate`,
      port: e.port,
    })),
    { item: 'notification', port: after.notification },
  ];
  return wanted.filter((w) => !held.has(w.port));
}
