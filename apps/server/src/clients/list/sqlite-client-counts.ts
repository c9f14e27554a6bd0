import { SqliteReadWorker } from '@siteport/db';
import type { ClientStatus } from '@siteport/protocol';
import {
  type ActivityCounts,
  type ActivityGroup,
  type ClientCountReader,
  activityOf,
  byStatusOf,
} from './client-page-repository.js';

/** The two reads of the counts, as plain SQL for the read worker (the same as the repository's). */
const STATEMENTS = {
  activity: `SELECT last_protocol, last_port, count(*) AS n,
      sum(CASE WHEN last_contact_at >= @since THEN 1 ELSE 0 END) AS active,
      sum(CASE WHEN status = 'active' AND last_contact_at >= @since THEN 1 ELSE 0 END) AS served
    FROM clients WHERE site_code = @site GROUP BY last_protocol, last_port`,
  byStatus: `SELECT status, count(*) AS n FROM clients WHERE site_code = @site GROUP BY status`,
} as const;

/**
 * The counts of an embedded (SQLite) site, read on a worker thread with its own read-only
 * connection: the pass over every row of a large site then never holds the thread that answers
 * MP requests (decision 0100). The counts per status of one site share one read while it is on
 * its way (the activity pass is shared by ClientListService), so polling consoles add at most two
 * reads per site to the queue.
 */
export class SqliteClientCounts implements ClientCountReader {
  private readonly worker: SqliteReadWorker;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(file: string) {
    this.worker = new SqliteReadWorker(file, STATEMENTS);
  }

  /** One pass over the site's rows; ClientListService already shares it between callers for 5 s. */
  async activity(siteCode: string, activeSince: string): Promise<ActivityCounts> {
    return activityOf(await this.worker.all<ActivityGroup>('activity', { since: activeSince, site: siteCode }));
  }

  byStatus(siteCode: string): Promise<Record<ClientStatus, number>> {
    return this.shared(`byStatus ${siteCode}`, async () =>
      byStatusOf(await this.worker.all<{ status: string; n: number }>('byStatus', { site: siteCode })),
    );
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  private shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const value = read().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, value);
    return value;
  }
}
