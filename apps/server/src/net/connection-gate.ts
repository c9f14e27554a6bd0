import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import type { Logger } from 'pino';
import { sourceKey } from './source-key.js';

/** The listeners that share one set of caps: the MP's request ports, its notification port, the admin API. */
export type ListenerKind = 'request' | 'notification' | 'admin';

/** Why a connection was refused. */
export type RefusedReason = 'per-source' | 'total';

/** Open connections against a cap, shared by every gate that draws on it. */
export class ConnectionBudget {
  private count = 0;

  /** @param max most connections open at once. */
  constructor(readonly max: number) {}

  /** Connections open now. */
  get open(): number {
    return this.count;
  }

  /** Takes one connection; false when the budget is spent. */
  take(): boolean {
    if (this.count >= this.max) return false;
    this.count += 1;
    return true;
  }

  /** Gives one connection back. */
  give(): void {
    this.count -= 1;
  }
}

const refusedChannel = diagnostics.channel('siteport:net:refused');
/** The server options that set each kind's caps, named in the log line. */
const FLAGS: Record<ListenerKind, { perSource: string; total: string }> = {
  request: { perSource: '--max-connections-per-source', total: '--max-client-connections' },
  notification: { perSource: '--max-connections-per-source', total: '--max-client-connections' },
  admin: { perSource: '--max-admin-connections, half of it per source', total: '--max-admin-connections' },
};
/** A refusal is logged at most this often per gate; the counters say how many there were. */
const LOG_EVERY_MS = 10_000;

/**
 * Counts one kind of listener's open connections per source address and against its budget, and
 * closes a new connection at once — before TLS or HTTP spends anything on it — when the source
 * already holds `perSource` connections of this kind or the budget is spent (decision 0091).
 * The per-source map holds only sources with an open connection, so it is never larger than the
 * budget.
 */
export class ConnectionGate {
  private readonly bySource = new Map<string, number>();
  private refusedPerSource = 0;
  private refusedTotal = 0;
  private lastLog = 0;

  constructor(
    readonly kind: ListenerKind,
    private readonly budget: ConnectionBudget,
    private readonly perSource: number,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** Admits or refuses every connection `server` accepts from now on. */
  attach(server: net.Server): void {
    server.on('connection', (socket: net.Socket) => this.admit(socket));
  }

  /** Connections this gate counts now. */
  get open(): number {
    let n = 0;
    for (const count of this.bySource.values()) n += count;
    return n;
  }

  /** Connections refused since start: over the per-source cap, over the budget. */
  get refused(): { perSource: number; total: number } {
    return { perSource: this.refusedPerSource, total: this.refusedTotal };
  }

  /** Counts a new connection, or destroys it when it passes a cap; returns whether it was admitted. */
  admit(socket: net.Socket): boolean {
    const address = socket.remoteAddress;
    if (address === undefined) {
      // Already gone (reset before the accept was handled): nothing to count.
      socket.destroy();
      return false;
    }
    const source = sourceKey(address);
    const held = this.bySource.get(source) ?? 0;
    const reason: RefusedReason | null = held >= this.perSource ? 'per-source' : this.budget.take() ? null : 'total';
    if (reason !== null) {
      socket.destroy();
      this.refuse(reason, source);
      return false;
    }
    this.bySource.set(source, held + 1);
    socket.once('close', () => {
      this.budget.give();
      const left = (this.bySource.get(source) ?? 1) - 1;
      if (left <= 0) this.bySource.delete(source);
      else this.bySource.set(source, left);
    });
    return true;
  }

  private refuse(reason: RefusedReason, source: string): void {
    if (reason === 'per-source') this.refusedPerSource += 1;
    else this.refusedTotal += 1;
    if (refusedChannel.hasSubscribers) refusedChannel.publish({ kind: this.kind, reason, source });
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.lastLog = now;
    this.logger.warn(
      {
        kind: this.kind,
        source,
        reason,
        refusedPerSource: this.refusedPerSource,
        refusedTotal: this.refusedTotal,
        open: this.budget.open,
        max: this.budget.max,
        perSource: this.perSource,
      },
      reason === 'per-source'
        ? `refusing ${this.kind} connections from ${source}: it holds ${this.perSource}, the per-source cap (${FLAGS[this.kind].perSource})`
        : `refusing ${this.kind} connections: ${this.budget.max} are open, the cap (${FLAGS[this.kind].total})`,
    );
  }
}
