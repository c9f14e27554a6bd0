import type { ClientCounts, ClientList, ClientView } from '@siteport/protocol';
import type { ClientRecord } from '../client-repository.js';
import { clientView } from '../client-service.js';
import { checkCursor, encodeCursor } from './client-cursor.js';
import type { ClientListQuery } from './client-list-query.js';
import type {
  ActivityCounts,
  ClientCountReader,
  ClientPageRepository,
  StoredFilters,
} from './client-page-repository.js';
import { type ClientPresence, NO_PRESENCE } from './client-presence.js';

/**
 * Rows one page with a channel filter reads at most: presence is in memory, so those rows are read
 * in id order and filtered here; past this budget the page ends early and `nextCursor` goes on
 * from the last row read, so no request scans a whole large site.
 */
export const CHANNEL_SCAN_BUDGET = 5000;
const CHANNEL_BATCH = 1000;
/** How long the activity part of the counts is reused (per site). */
const ACTIVITY_TTL_MS = 5000;

/** The clients list and counts of the admin API (decision 0100). */
export class ClientListService {
  private readonly activityCache = new Map<string, { at: number; window: number; value: Promise<ActivityCounts> }>();

  constructor(
    private readonly deps: {
      /** This server's own site: only its clients have notification presence here. */
      siteCode: string;
      pages: ClientPageRepository;
      /** Where the counts are read; `pages` unless given (on SQLite: a read worker). */
      counts?: ClientCountReader;
      /** The site's active window (its row; E_SITE_NOT_FOUND for an unknown code). */
      site: (code: string) => Promise<{ activeWindowSeconds: number }>;
      /** The `protocol:port` keys the site's MPs serve now (a client on another port is stranded). */
      servedKeys: (code: string) => Promise<ReadonlySet<string>>;
      presence: ClientPresence;
      /** Writes the batched client activity first, so a listing shows the latest contacts. */
      flushActivity: () => Promise<void>;
      now?: () => Date;
    },
  ) {}

  private get counter(): ClientCountReader {
    return this.deps.counts ?? this.deps.pages;
  }

  private presence(code: string): ClientPresence {
    return code === this.deps.siteCode ? this.deps.presence : NO_PRESENCE;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** One page of a site's clients; `nextCursor` is set while more may follow. */
  async page(code: string, query: ClientListQuery): Promise<ClientList> {
    const site = await this.deps.site(code);
    if (query.cursor !== undefined) checkCursor(query.cursor, code, query.filterKey);
    await this.deps.flushActivity();
    const now = this.now();
    const { channel, ...rest } = query.filters;
    const stored: StoredFilters = {
      ...rest,
      activeSince: new Date(now.getTime() - site.activeWindowSeconds * 1000).toISOString(),
    };
    const after = query.cursor?.afterId;
    const { records, last } =
      channel === undefined
        ? await this.plainPage(code, stored, after, query.limit)
        : await this.channelPage(code, stored, after, query.limit, channel);
    const served = await this.deps.servedKeys(code);
    const clients: ClientView[] = records.map((c) => clientView(c, site.activeWindowSeconds, now, served));
    return {
      clients,
      activeWindowSeconds: site.activeWindowSeconds,
      ...(last === undefined
        ? {}
        : { nextCursor: encodeCursor({ siteCode: code, filters: query.filterKey, afterId: last }) }),
    };
  }

  /** One query of `limit + 1` rows: the extra row only tells whether another page follows. */
  private async plainPage(
    code: string,
    filters: StoredFilters,
    after: string | undefined,
    limit: number,
  ): Promise<{ records: ClientRecord[]; last?: string }> {
    const rows = await this.deps.pages.page(code, filters, after, limit + 1);
    if (rows.length <= limit) return { records: rows };
    const records = rows.slice(0, limit);
    const last = records[records.length - 1];
    return last === undefined ? { records } : { records, last: last.id };
  }

  private async channelPage(
    code: string,
    filters: StoredFilters,
    after: string | undefined,
    limit: number,
    channel: 'tcp' | 'http-poll' | 'none',
  ): Promise<{ records: ClientRecord[]; last?: string }> {
    const presence = this.presence(code);
    const matched: string[] = [];
    let position = after;
    let scanned = 0;
    // Ids first (an index-only scan), whole rows only for the page.
    const page = (): Promise<ClientRecord[]> => this.deps.pages.byIds(code, matched);
    for (;;) {
      const batch = await this.deps.pages.pageIds(code, filters, position, CHANNEL_BATCH);
      for (const id of batch) {
        scanned += 1;
        position = id;
        if ((presence.channelOf(id) ?? 'none') === channel) matched.push(id);
        // Full, or over budget: more may follow unless this was the last id of a short batch.
        if (matched.length === limit || scanned >= CHANNEL_SCAN_BUDGET) {
          const more = batch.length === CHANNEL_BATCH || id !== batch[batch.length - 1];
          return more ? { records: await page(), last: position } : { records: await page() };
        }
      }
      if (batch.length < CHANNEL_BATCH) return { records: await page() };
    }
  }

  /**
   * The activity part of the counts: one pass over the site's rows, about 0.1 s of SQLite at
   * 100,000 clients (on a read worker, see SqliteClientCounts). Kept for {@link ACTIVITY_TTL_MS}
   * per site, so consoles polling counts and site views share one pass; the counts per status are
   * read fresh.
   */
  private activity(code: string, activeWindowSeconds: number): Promise<ActivityCounts> {
    const now = this.now().getTime();
    const kept = this.activityCache.get(code);
    if (kept !== undefined && now - kept.at < ACTIVITY_TTL_MS && kept.window === activeWindowSeconds) return kept.value;
    const since = new Date(now - activeWindowSeconds * 1000).toISOString();
    const value = this.counter.activity(code, since);
    this.activityCache.set(code, { at: now, window: activeWindowSeconds, value });
    value.catch(() => this.activityCache.delete(code));
    return value;
  }

  /** What the site view shows: clients not retired, and active ones seen within the active window. */
  async siteTotals(code: string): Promise<{ total: number; active: number }> {
    const site = await this.deps.site(code);
    await this.deps.flushActivity();
    const byStatus = await this.counter.byStatus(code);
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    return {
      total: total - byStatus.retired,
      active: (await this.activity(code, site.activeWindowSeconds)).activeServed,
    };
  }

  /** How many clients a site has: in all, by status, activity, channel and last request port. */
  async counts(code: string): Promise<ClientCounts> {
    const site = await this.deps.site(code);
    await this.deps.flushActivity();
    const byStatus = await this.counter.byStatus(code);
    const activity = await this.activity(code, site.activeWindowSeconds);
    const activeWindowSeconds = site.activeWindowSeconds;
    const stored = { byStatus, ...activity };
    const total = Object.values(stored.byStatus).reduce((a, b) => a + b, 0);
    const online = this.presence(code).counts();
    const tcp = Math.min(online.tcp, total);
    const poll = Math.min(online['http-poll'], total - tcp);
    return {
      siteCode: code,
      total,
      byStatus: stored.byStatus,
      // The activity part may be a few seconds older than the total: never below zero.
      byActivity: {
        active: Math.min(stored.active, total),
        inactive: Math.max(0, total - stored.active),
        never: Math.min(stored.never, total),
      },
      byChannel: { tcp, 'http-poll': poll, none: total - tcp - poll },
      byPort: stored.byPort,
      activeWindowSeconds,
    };
  }
}
