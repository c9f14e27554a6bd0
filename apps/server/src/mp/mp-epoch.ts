import { randomBytes } from 'node:crypto';
import { EPOCH_BOUND_NONCE_LENGTH, SIGNATURE_WINDOW_MS } from '@siteport/protocol';

/** Options of {@link MpEpoch}. */
export interface MpEpochOptions {
  /**
   * Whether a process of this site may have accepted client requests before this one started
   * (every start but the one that created the site): then requests not bound to this epoch are
   * held back for the signature window.
   */
  restarted: boolean;
  /** Start of this process on its clock. @default Date.now() */
  startedAt?: number;
}

/**
 * The epoch of one management point process (decision 0092): random, new at every start, named in
 * every answer. The replay state ({@link NonceCache}) lives in memory, so a signed request captured
 * before a restart would otherwise be accepted again within the ±5 min timestamp window. Agents bind
 * their signed requests to the epoch (it begins the signed nonce); the MP accepts a bound request
 * only with its own epoch, and an unbound one (an agent predating epochs) only when its timestamp is
 * at least one window after the start — no request signed before the start can carry such a
 * timestamp and still have been accepted then. Session MACs need none of this: sessions end with
 * the process.
 */
export class MpEpoch {
  /** 16 random bytes, base64url: `x-siteport-epoch` of every answer. */
  readonly id = randomBytes(16).toString('base64url');
  readonly startedAt: number;
  private readonly unboundFrom: number;

  constructor(options: MpEpochOptions) {
    this.startedAt = options.startedAt ?? Date.now();
    this.unboundFrom = options.restarted ? this.startedAt + SIGNATURE_WINDOW_MS : 0;
  }

  /** Whether a signed request with this nonce and timestamp may be accepted by this process at all. */
  admits(nonce: string, timestamp: number): boolean {
    if (nonce.length === EPOCH_BOUND_NONCE_LENGTH) return nonce.startsWith(this.id);
    return timestamp >= this.unboundFrom;
  }
}
