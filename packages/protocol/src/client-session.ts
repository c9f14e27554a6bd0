import { type Static, Type } from '@sinclair/typebox';
import { MP_PREFIX } from './protocol-version.js';

/**
 * Client sessions (decisions 0060, 0062): a registered client opens one with an Ed25519-signed
 * request carrying an ephemeral X25519 public key; the management point answers with its own.
 * Both derive the same 32-byte key (X25519, then HKDF-SHA256 with {@link clientSessionKeyInfo}),
 * and from then on the client's requests — policy, heartbeat, long-polls, inventory, pre-flight
 * reports — carry an HMAC-SHA256 over {@link sessionMacPrefix} and the body instead of an Ed25519
 * signature. Timestamps and nonces are checked exactly as for signed requests.
 *
 * The path keeps the `notify/` segment it was introduced with (for long-polls only), so agents
 * and management points of either version still find each other.
 */
export const CLIENT_SESSION_PATH = `${MP_PREFIX}/notify/session`;

/** Headers of a request authenticated with a session key (with the client, timestamp and nonce headers of signing). */
export const SESSION_HEADERS = {
  session: 'x-siteport-session',
  mac: 'x-siteport-mac',
} as const;

/** A raw 32-byte X25519 public key, base64url without padding. */
const RawKey = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: 'a raw X25519 public key: 43 base64url characters',
});

/** `POST /mp/v1/notify/session` (Ed25519-signed): the client's ephemeral X25519 public key. */
export const ClientSessionRequest = Type.Object({ publicKey: RawKey });
export type ClientSessionRequest = Static<typeof ClientSessionRequest>;

/**
 * Which requests a session authenticates: `polls` — long-polls only (decision 0060; MPs of that
 * version send no `scope`); `requests` — every client request after registration (decision 0062).
 */
export const SessionScope = Type.Union([Type.Literal('polls'), Type.Literal('requests')]);
export type SessionScope = Static<typeof SessionScope>;

/**
 * Answer: the session id, the MP's ephemeral X25519 public key, how long the session lasts and,
 * from decision 0062 on, its scope (absent: `polls`). Agents of the 0060 version ignore `scope`.
 */
export const ClientSessionResponse = Type.Object({
  sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
  publicKey: RawKey,
  expiresInSeconds: Type.Integer({ minimum: 1 }),
  scope: Type.Optional(SessionScope),
});
export type ClientSessionResponse = Static<typeof ClientSessionResponse>;

/** HKDF `info` of a session key: binds it to the client, the session and both public keys. */
export function clientSessionKeyInfo(
  clientId: string,
  sessionId: string,
  clientPublicKey: string,
  serverPublicKey: string,
): string {
  return ['siteport-session-v1', clientId, sessionId, clientPublicKey, serverPublicKey].join('\n');
}

export interface SessionMacParts {
  method: string;
  /** Request path including the query string, if any. */
  path: string;
  clientId: string;
  sessionId: string;
  timestamp: string;
  nonce: string;
}

/**
 * What a session MAC covers before the raw body bytes: one field per line, in a fixed order, and
 * a final newline. The number of fields is fixed, so the body that follows cannot be confused
 * with them.
 */
export function sessionMacPrefix(parts: SessionMacParts): string {
  // One template literal, not an array join: this runs for every request an MP serves.
  return `siteport-mac-v1\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.clientId}\n${parts.sessionId}\n${parts.timestamp}\n${parts.nonce}\n`;
}
