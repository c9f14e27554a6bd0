import { SIGNATURE_WINDOW_MS } from '@siteport/protocol';

/** How far behind a client's newest accepted timestamp a request may be (requests in flight together). */
const REORDER_MS = 30_000;

interface ClientNonces {
  newest: number;
  seen: Set<string>;
  /** The nonces in arrival order with their timestamps, from `head` on (a queue without shifts). */
  order: string[];
  at: number[];
  head: number;
}

/**
 * Once this many entries at the front of a queue are spent (and they are half of it), the queue is
 * cut. Small, because most clients are slow: an agent sends a request every 20–60 s, keeps one or
 * two live nonces, and with a cut only after 1,024 spent entries the queue held every nonce of the
 * last hours (19,000 clients polling every 20 s: 190 MiB more heap an hour for 11 hours, all of
 * it for the old generation's collector to mark). The cut copies at most twice this many slots.
 */
const COMPACT_AFTER = 16;

/**
 * Replay protection for signed client requests. A request is fresh when its timestamp is within
 * ±5 minutes of this MP's clock, not older than 30 s before the client's newest accepted request,
 * and its nonce was not seen in that span. Memory per client stays small: only nonces of the last
 * 30 s (of the client's own clock) are kept.
 */
export class NonceCache {
  private readonly clients = new Map<string, ClientNonces>();

  /** Returns 'ok', 'stale' or 'replay', and remembers the nonce when 'ok'. */
  check(clientId: string, timestamp: number, nonce: string, now = Date.now()): 'ok' | 'stale' | 'replay' {
    if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > SIGNATURE_WINDOW_MS) return 'stale';
    let entry = this.clients.get(clientId);
    if (entry === undefined) {
      entry = { newest: timestamp, seen: new Set(), order: [], at: [], head: 0 };
      this.clients.set(clientId, entry);
    }
    if (timestamp < entry.newest - REORDER_MS) return 'replay';
    if (entry.seen.has(nonce)) return 'replay';
    entry.seen.add(nonce);
    entry.order.push(nonce);
    entry.at.push(timestamp);
    if (timestamp > entry.newest) {
      entry.newest = timestamp;
      // Nonces come in about the order of their timestamps, so the old ones are at the front: drop
      // them until the first one still inside the window. One late arrival can shield older ones
      // behind it for a while; they only make the check stricter, and go once it is old too.
      // (Sweeping the whole map on every request cost a client sending many requests quadratic
      // time; iterating a Map from its front after deletions there skips every deleted slot, so the
      // arrival order is a queue of its own.)
      const limit = timestamp - REORDER_MS;
      while (entry.head < entry.order.length && entry.at[entry.head]! < limit) {
        entry.seen.delete(entry.order[entry.head]!);
        entry.order[entry.head] = '';
        entry.head += 1;
      }
      if (entry.head >= COMPACT_AFTER && entry.head * 2 >= entry.order.length) {
        entry.order = entry.order.slice(entry.head);
        entry.at = entry.at.slice(entry.head);
        entry.head = 0;
      }
    }
    return 'ok';
  }

  /** Forgets clients that have been silent longer than the signature window. */
  prune(now = Date.now()): void {
    for (const [id, entry] of this.clients) if (entry.newest < now - SIGNATURE_WINDOW_MS) this.clients.delete(id);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Nonces kept for one client (for tests and diagnostics). */
  noncesOf(clientId: string): number {
    return this.clients.get(clientId)?.seen.size ?? 0;
  }

  /** Slots of one client's arrival queue, spent ones included (for tests and diagnostics). */
  queueOf(clientId: string): number {
    return this.clients.get(clientId)?.order.length ?? 0;
  }
}
