import { randomUUID } from 'node:crypto';
import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type CollectionBody,
  type CollectionView,
  SiteportError,
  WEEK_DAYS,
  WINDOW_LIMITS,
  type WaitingClient,
  type WindowBody,
  type WindowView,
} from '@siteport/protocol';
import type { ClientRecord } from '../clients/index.js';
import { formatInZone, isTimeZone } from '../ports/index.js';
import type { AuditRepository } from '../site/index.js';
import { type CollectionRepository, type StoredCollection, isUniqueViolation } from './collection-repository.js';
import { type RuleSubject, compileRule, parseSubnet } from './collection-rules.js';
import { type WindowedCollection, holdPlan, waitingClient } from './hold-plan.js';
import { MemberCounts } from './member-counts.js';
import { type WeeklyWindow, nextOpening } from './window-time.js';

/** How many waiting clients a rollout view lists (the count is always whole). */
const MAX_LISTED = 500;

export interface MaintenanceWindowsDeps {
  db: Kysely<SiteDatabase>;
  repo: CollectionRepository;
  audit: AuditRepository;
  /** Throws E_SITE_NOT_FOUND for a site this server does not run, like the rest of the admin API. */
  site: (siteCode: string) => Promise<unknown>;
  /** Makes every MP process of the site rebuild its policy and window gate. */
  announce: (siteCode: string) => Promise<void>;
}

/** The compiled form of stored collections, for the MP gate and the rollout view. */
export function windowed(collections: readonly StoredCollection[]): WindowedCollection[] {
  return collections.map((c) => ({ name: c.name, matches: compileRule(c), windows: c.windows }));
}

/** A client record as a rule sees it. */
const subjectOf = (c: ClientRecord): RuleSubject => ({
  id: c.id,
  hostname: c.hostname,
  address: c.lastContact?.address ?? null,
});

const collectionNotFound = (siteCode: string, name: string): SiteportError =>
  new SiteportError(
    'E_COLLECTION_NOT_FOUND',
    `site ${siteCode} has no collection ${JSON.stringify(name.slice(0, 64))}; list them with siteport collection list`,
  );

/** The next opening of `w`, or undefined: none, or a zone this runtime does not know (stored by another). */
function nextOf(w: WeeklyWindow, now: number): ReturnType<typeof nextOpening> {
  try {
    return nextOpening(w, now);
  } catch {
    return undefined;
  }
}

function windowView(w: WeeklyWindow, now: number): WindowView {
  const next = nextOf(w, now);
  return {
    id: w.id,
    days: [...w.days],
    start: w.start,
    durationMinutes: w.durationMinutes,
    timeZone: w.timeZone,
    next:
      next === undefined
        ? null
        : {
            opensAt: new Date(next.opensAt).toISOString(),
            closesAt: new Date(next.closesAt).toISOString(),
            local: formatInZone(new Date(next.opensAt), w.timeZone),
            open: next.opensAt <= now,
          },
  };
}

/**
 * Client collections and their maintenance windows (decision 0114): administrators name groups of
 * clients and the weekly windows in which a window-respecting rollout may move them. Every change
 * is validated whole before anything is stored, audited, and rebuilds the policy of every MP.
 */
export class MaintenanceWindows {
  private readonly members: MemberCounts;

  constructor(private readonly deps: MaintenanceWindowsDeps) {
    this.members = new MemberCounts((siteCode) => deps.repo.subjectPages(siteCode));
  }

  async list(siteCode: string): Promise<CollectionView[]> {
    await this.deps.site(siteCode);
    const collections = await this.deps.repo.list(siteCode);
    const members = await this.members.of(siteCode, collections);
    const now = Date.now();
    return collections.map((c) => this.view(c, members.get(c.id) ?? 0, now));
  }

  private view(c: StoredCollection, members: number, now: number): CollectionView {
    return {
      id: c.id,
      siteCode: c.siteCode,
      name: c.name,
      hostGlob: c.hostGlob,
      subnets: [...c.subnets],
      clientIds: [...c.clientIds],
      members,
      windows: c.windows.map((w) => windowView(w, now)),
      createdAt: c.createdAt,
      createdBy: c.createdBy,
    };
  }

  private async find(siteCode: string, name: string): Promise<StoredCollection> {
    await this.deps.site(siteCode);
    const found = (await this.deps.repo.list(siteCode)).find((c) => c.name === name);
    if (found === undefined) throw collectionNotFound(siteCode, name);
    return found;
  }

  async create(siteCode: string, body: CollectionBody, actor: string): Promise<CollectionView> {
    const subnets = body.subnets ?? [];
    const clientIds = body.clientIds ?? [];
    if (body.hostGlob === undefined && subnets.length === 0 && clientIds.length === 0) {
      throw new SiteportError(
        'E_VALIDATION',
        'a collection needs a membership rule: hostGlob, subnets or clientIds (any of them matches)',
        { details: { field: 'hostGlob' } },
      );
    }
    for (const cidr of subnets) parseSubnet(cidr);
    await this.deps.site(siteCode);
    const at = new Date().toISOString();
    const collection: StoredCollection = {
      id: randomUUID(),
      siteCode,
      name: body.name,
      hostGlob: body.hostGlob ?? null,
      subnets,
      clientIds,
      windows: [],
      createdAt: at,
      createdBy: actor,
    };
    const exists = () =>
      new SiteportError('E_COLLECTION_EXISTS', `site ${siteCode} already has a collection ${body.name}`);
    // The checks run under the site's row lock: concurrent creates cannot both pass the limit; the
    // unique (site, name) constraint answers a duplicate name that races past the check.
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.repo.lockSite(trx, siteCode))) {
        await this.deps.site(siteCode);
        throw new SiteportError('E_SITE_NOT_FOUND', `no site ${siteCode} here`);
      }
      const existing = await this.deps.repo.list(siteCode, trx);
      if (existing.some((c) => c.name === body.name)) throw exists();
      if (existing.length >= WINDOW_LIMITS.collectionsPerSite) {
        throw new SiteportError(
          'E_COLLECTION_LIMIT',
          `a site has at most ${WINDOW_LIMITS.collectionsPerSite} collections; delete one first`,
        );
      }
      try {
        await this.deps.repo.insert(trx, collection);
      } catch (error) {
        throw isUniqueViolation(error) ? exists() : error;
      }
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'collection.create',
        oldValue: null,
        newValue: { name: collection.name, hostGlob: collection.hostGlob, subnets, clientIds: clientIds.length },
        outcome: 'ok',
      });
    });
    this.members.invalidate(siteCode);
    await this.deps.announce(siteCode);
    return (await this.list(siteCode)).find((c) => c.id === collection.id)!;
  }

  async delete(siteCode: string, name: string, actor: string): Promise<{ deleted: string }> {
    const found = await this.find(siteCode, name);
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.delete(trx, found.id);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'collection.delete',
        oldValue: { name: found.name, windows: found.windows.length },
        newValue: null,
        outcome: 'ok',
      });
    });
    await this.deps.announce(siteCode);
    return { deleted: found.name };
  }

  async addWindow(siteCode: string, name: string, body: WindowBody, actor: string): Promise<CollectionView> {
    if (!isTimeZone(body.timeZone)) {
      throw new SiteportError(
        'E_TIME_ZONE',
        `unknown time zone "${body.timeZone.slice(0, 64)}": give an IANA name such as Europe/Berlin or UTC`,
      );
    }
    const found = await this.find(siteCode, name);
    const window: WeeklyWindow = {
      id: randomUUID(),
      days: WEEK_DAYS.filter((d) => body.days.includes(d)),
      start: body.start,
      durationMinutes: body.durationMinutes,
      timeZone: body.timeZone,
    };
    const at = new Date().toISOString();
    // The limit is checked under the collection's row lock: concurrent adds cannot both pass it.
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.repo.lockCollection(trx, found.id))) throw collectionNotFound(siteCode, name);
      if ((await this.deps.repo.windowCount(trx, found.id)) >= WINDOW_LIMITS.windowsPerCollection) {
        throw new SiteportError(
          'E_COLLECTION_LIMIT',
          `a collection has at most ${WINDOW_LIMITS.windowsPerCollection} windows; remove one first`,
        );
      }
      await this.deps.repo.insertWindow(trx, found.id, window, at, actor);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'window.add',
        oldValue: null,
        newValue: { collection: found.name, ...window },
        outcome: 'ok',
      });
    });
    await this.deps.announce(siteCode);
    return (await this.list(siteCode)).find((c) => c.id === found.id)!;
  }

  async removeWindow(siteCode: string, name: string, windowId: string, actor: string): Promise<CollectionView> {
    const found = await this.find(siteCode, name);
    const window = found.windows.find((w) => w.id === windowId);
    if (window === undefined) {
      throw new SiteportError(
        'E_WINDOW_NOT_FOUND',
        `collection ${found.name} has no window ${JSON.stringify(windowId.slice(0, 64))}; list them with siteport window list`,
      );
    }
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.deleteWindow(trx, found.id, windowId);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'window.remove',
        oldValue: { collection: found.name, ...window },
        newValue: null,
        outcome: 'ok',
      });
    });
    await this.deps.announce(siteCode);
    return (await this.list(siteCode)).find((c) => c.id === found.id)!;
  }

  /** Who a window-respecting rollout committed at `committedAt` keeps on the old ports now, first opening first. */
  async waiting(
    siteCode: string,
    committedAt: string | null,
    clients: readonly ClientRecord[],
    now: Date,
  ): Promise<{ clients: WaitingClient[]; count: number }> {
    if (committedAt === null) return { clients: [], count: 0 };
    const holds = (
      await holdPlan(
        windowed(await this.deps.repo.list(siteCode)),
        clients.map(subjectOf),
        Date.parse(committedAt),
        now.getTime(),
      )
    ).sort((a, b) => a.releaseAt - b.releaseAt || a.hostname.localeCompare(b.hostname));
    return { clients: holds.slice(0, MAX_LISTED).map(waitingClient), count: holds.length };
  }
}
