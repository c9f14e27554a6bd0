import type { ActivityRecorder } from '../mp/index.js';
import type { Protocol } from '../net/index.js';

/** How long a long-polling client's last contact may go without being written again. */
const REFRESH_MS = 10 * 60_000;

/**
 * Decides which long-polls are recorded as client activity (last contact: time, port, protocol,
 * address). A poll is recorded when it tells something new — the first one, or one on another
 * port, protocol or address than the last recorded — and otherwise every ten minutes, not on every
 * re-poll: the TCP channel does not advance the last contact at all, and the agent's policy and
 * heartbeat requests keep it current. So an idle long-poll costs no database write.
 */
export class PollActivity {
  private readonly last = new Map<string, { at: number; where: string }>();
  private recorded = 0;

  constructor(
    private readonly activity: Pick<ActivityRecorder, 'record'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A poll of `clientId` arrived on this port and protocol from this address. */
  seen(clientId: string, port: number, protocol: Protocol, address: string): void {
    const now = this.now();
    const where = `${protocol}:${port}:${address}`;
    const previous = this.last.get(clientId);
    if (previous?.where === where && now - previous.at < REFRESH_MS) return;
    this.last.set(clientId, { at: now, where });
    this.activity.record({ id: clientId, at: new Date(now).toISOString(), port, protocol, address });
    this.recorded += 1;
    if (this.recorded % 4096 === 0) this.prune(now);
  }

  /** Forgets clients not recorded within the refresh period (they are recorded again when they poll). */
  private prune(now: number): void {
    for (const [clientId, entry] of this.last) if (now - entry.at >= REFRESH_MS) this.last.delete(clientId);
  }
}
