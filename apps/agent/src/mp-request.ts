import type { Logger } from 'pino';
import type { LastContact } from './agent-status.js';
import type { ClientConfig } from './client-config.js';
import type { MpEndpoint } from './endpoint-list.js';
import type { RequestSigner } from './request-signer.js';

/** Options of {@link MpTransport}. */
export interface MpTransportOptions {
  /** The current client configuration; read for every request so policy and port switch apply at once. */
  config: () => ClientConfig;
  /** The pinned site CA (PEM), or undefined before the first registration. */
  caPem: () => string | undefined;
  /** What HTTPS is verified with: the pinned CA and the further anchors the site signed (decision 0101). @default caPem */
  tlsCa?: () => string | undefined;
  /**
   * An HTTPS endpoint's certificate did not verify: may fetch further trust anchors the site
   * signed; resolves true when they changed, and the endpoint is tried once more.
   */
  onUntrustedCertificate?: () => Promise<boolean>;
  /** Connect + response timeout of one attempt. @default 5000 */
  timeoutMs: number;
  /** How long a non-first endpoint stays sticky before the list is tried from the top again. @default 300000 */
  retryDefaultAfterMs: number;
  /** Called after every request a management point answered. */
  onContact: (contact: LastContact) => void;
  logger: Logger;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** One request to "the site's management point", whichever endpoint answers it. */
export interface MpRequest {
  method: 'GET' | 'POST';
  /** Path with query, e.g. `/mp/v1/policy`. */
  path: string;
  body?: unknown;
  /**
   * Authenticates each attempt. A request with a signer is an authenticated one, and the agent
   * acts on its answer only when the answer is authenticated too (decision 0092): an answer that
   * is not counts as a failed endpoint.
   */
  signer?: RequestSigner;
  /**
   * The key of the client session whose MAC the attempt just sent carried, if it carried one:
   * the answer's MAC is checked with it. Read right after each attempt.
   */
  sessionKey?: () => Buffer | undefined;
  /**
   * The body holds a secret (a registration token): it goes only to HTTPS endpoints checked
   * against the pinned site CA, never over plain HTTP where anyone on the path could read it.
   */
  confidential?: boolean;
  /** Accept any server certificate: only for `GET /mp/v1/ca` before a CA is pinned. */
  insecureTls?: boolean;
  /** Timeout of this request instead of the transport's (a long-poll waits longer). */
  timeoutMs?: number;
}

/** A successful (2xx) answer and the endpoint that gave it. */
export interface MpResponse {
  status: number;
  body: unknown;
  endpoint: MpEndpoint;
}
