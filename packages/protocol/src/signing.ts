/**
 * Client request signing. Each request after registration carries the client id, a timestamp,
 * a one-time nonce and an Ed25519 signature over {@link canonicalRequest} — or, once the client
 * opened a session (client-session.ts), the session id and a MAC instead of the signature; the
 * MP rejects unsigned, unknown, stale and replayed requests.
 */
export const SIGNATURE_HEADERS = {
  client: 'x-siteport-client',
  timestamp: 'x-siteport-timestamp',
  nonce: 'x-siteport-nonce',
  signature: 'x-siteport-signature',
} as const;

/** Client id used in the canonical string of a registration (signed with the key being registered). */
export const REGISTRATION_CLIENT_ID = 'register';

/** How far a request timestamp may be from the MP's clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

/**
 * Every answer of a management point names the epoch of its process in this header: 16 random
 * bytes, base64url (22 characters), new at every start of the process (decision 0092).
 */
export const EPOCH_HEADER = 'x-siteport-epoch';

/** Length of an epoch in {@link EPOCH_HEADER}. */
export const EPOCH_LENGTH = 22;

/**
 * Length of an epoch-bound nonce: the epoch of the MP process the request is meant for, then 16
 * random bytes (base64url, 22 characters). Signed, like the rest of the nonce, so a request cannot
 * be moved to another process or to a later start of the same one. A nonce of another length is
 * not bound to an epoch (agents before decision 0092 send 22 characters).
 */
export const EPOCH_BOUND_NONCE_LENGTH = 2 * EPOCH_LENGTH;

export interface SignedParts {
  method: string;
  path: string;
  clientId: string;
  timestamp: string;
  nonce: string;
  /** Lower-case hex SHA-256 of the raw body bytes (of the empty string for no body). */
  bodySha256: string;
}

/** The exact bytes that are signed: one field per line, in a fixed order. */
export function canonicalRequest(parts: SignedParts): string {
  return [
    'siteport-v1',
    parts.method.toUpperCase(),
    parts.path,
    parts.clientId,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join('\n');
}
