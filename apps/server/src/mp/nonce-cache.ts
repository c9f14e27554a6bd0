import { SIGNATURE_WINDOW_MS } from '@siteport/protocol';

/** How far behind a client's newest accepted timestamp a request may be (requests in flight together). */
const REORDER_MS = 30_000;

interface ClientNonces {
  newest: number;
  seen: Map<string, number>;
}

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
      entry = { newest: timestamp, seen: new Map() };
      this.clients.set(clientId, entry);
    }
    if (timestamp < entry.newest - REORDER_MS) return 'replay';
    if (entry.seen.has(nonce)) return 'replay';
    entry.seen.set(nonce, timestamp);
    if (timestamp > entry.newest) {
      entry.newest = timestamp;
      // Nonces come in about the order of their timestamps, so the old ones are at the front: drop
      // them until the first one still inside the window. One late arrival can shield older ones
      // behind it for a while; they only make the check stricter, and go once it is old too.
      // (Sweeping the whole map on every request cost a client sending many requests quadratic time.)
      const limit = timestamp - REORDER_MS;
      for (const [key, at] of entry.seen) {
        if (at >= limit) break;
        entry.seen.delete(key);
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
}
