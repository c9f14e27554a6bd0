import { type RuleSubject, compileRule, prepareSubject } from './collection-rules.js';
import type { StoredCollection } from './collection-repository.js';
import { visitInSlices } from './slices.js';

/** How long counted members are reused: the console polls every 5 s; counts may lag client changes this long. */
const MEMBER_COUNTS_TTL_MS = 10_000;
/** Sites whose counts are kept (a site server runs one; the bound keeps the map finite). */
const MAX_SITES = 16;

interface Counted {
  at: number;
  counts: Map<string, number>;
}

/**
 * The member count of every collection of a site, computed in one pass over its clients (each
 * client parsed once, every rule compiled once, run in slices) and reused for
 * {@link MEMBER_COUNTS_TTL_MS}: however often collections are listed, a site pays at most one pass
 * per interval. Concurrent readers share the pass; a change of the collections drops the counts.
 */
export class MemberCounts {
  private readonly counted = new Map<string, Counted>();
  private readonly pending = new Map<string, Promise<Counted>>();

  constructor(
    /** The site's active clients, a page at a time. */
    private readonly pages: (siteCode: string) => AsyncIterable<RuleSubject[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The members of each collection of `collections` (all of one site), by collection id. */
  async of(siteCode: string, collections: readonly StoredCollection[]): Promise<Map<string, number>> {
    const fresh = this.counted.get(siteCode);
    if (fresh !== undefined && this.now() - fresh.at < MEMBER_COUNTS_TTL_MS) {
      const missing = collections.filter((c) => !fresh.counts.has(c.id));
      if (missing.length === 0) return fresh.counts;
    }
    let pass = this.pending.get(siteCode);
    if (pass === undefined) {
      pass = this.count(siteCode, collections).finally(() => this.pending.delete(siteCode));
      this.pending.set(siteCode, pass);
    }
    const done = await pass;
    if (collections.every((c) => done.counts.has(c.id))) return done.counts;
    // A pass that began before a collection was created: count again with every collection.
    return (await this.count(siteCode, collections)).counts;
  }

  /** Forgets a site's counts (its collections changed). */
  invalidate(siteCode: string): void {
    this.counted.delete(siteCode);
  }

  private async count(siteCode: string, collections: readonly StoredCollection[]): Promise<Counted> {
    const at = this.now();
    const rules = collections.map((c) => ({ id: c.id, matches: compileRule(c), members: 0 }));
    for await (const page of this.pages(siteCode)) {
      await visitInSlices(page, (client) => {
        const subject = prepareSubject(client);
        for (const rule of rules) if (rule.matches(subject)) rule.members += 1;
      });
    }
    const counted = { at, counts: new Map(rules.map((r) => [r.id, r.members])) };
    if (!this.counted.has(siteCode) && this.counted.size >= MAX_SITES) {
      this.counted.delete(this.counted.keys().next().value!);
    }
    this.counted.set(siteCode, counted);
    return counted;
  }
}
