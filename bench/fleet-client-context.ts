// What every simulated client of one fleet worker shares.
import type { SecureContext } from 'node:tls';

/**
 * `tcp`: the TLS notification channel; `poll`: the HTTPS long-poll; `bare`: TLS connections that
 * hold and answer each frame (the baseline); `bare-poll`: polls of a bare HTTPS server (the long-poll's baseline).
 */
export type FleetMode = 'tcp' | 'poll' | 'bare' | 'bare-poll';

export interface FleetClientContext {
  mode: FleetMode;
  /** Trusts only the pinned site CA; shared by every connection of the worker. */
  secureContext: SecureContext;
  localAddress: string | undefined;
  pollWaitSeconds: number;
  connectTimeoutMs: number;
  /** Records the time (epoch ms) an action reached a client. */
  received(at: number): void;
  /** Acks were written to the socket: an ack frame (TCP), or a poll carrying them (long-poll). */
  acked(count?: number): void;
  /** A keep-alive ping or a poll was sent. */
  event(): void;
  /** A client that was connected lost its connection (or a poll failed), with why: an error code or who closed. */
  lost(reason: string): void;
  /** Runs work once the current burst of incoming data is over (see the worker). */
  defer(work: () => void): void;
}
