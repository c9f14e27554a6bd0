/**
 * Authenticated management point answers (decision 0092). An agent acts only on answers it can
 * tie to the site and to the request it sent, so that nobody on the path (a proxy on plain HTTP)
 * can forge policy, actions or a session:
 *
 * - an answer to a request carrying a client session's MAC carries `x-siteport-answer-mac`:
 *   base64url HMAC-SHA256 with the session key over {@link answerPrefix} and the raw body;
 * - an answer to an Ed25519-signed request (registration, opening a session, a request sent
 *   without a session) and every answer of {@link SIGNED_ERROR_CODES} carry `x-siteport-answer-signature`:
 *   base64 ECDSA P-256 / SHA-256 (DER) signature with the site CA's key over the same bytes; the
 *   agent checks it with the CA it pinned.
 *
 * Both cover the request's nonce, so an answer cannot be replayed to another request, and the
 * status, so an error cannot be turned into a success or back.
 */
/**
 * The error answers that change what an agent does or shows about its identity (register again,
 * wait for approval, stop as blocked or retired): the site signs them, bound to the request's
 * nonce, and an agent acts on them only when the signature verifies. Every other error only makes
 * an agent retry and is sent as it is.
 */
export const SIGNED_ERROR_CODES: ReadonlySet<string> = new Set([
  'E_UNKNOWN_CLIENT',
  'E_CLIENT_PENDING',
  'E_CLIENT_BLOCKED',
  'E_CLIENT_RETIRED',
]);

export const ANSWER_HEADERS = {
  mac: 'x-siteport-answer-mac',
  signature: 'x-siteport-answer-signature',
  /**
   * Decision 0101: an MP process that does not hold the site CA's key signs with its own key instead
   * (same bytes, same algorithm) and names its certificate, which the site CA issued, in `signer`
   * (base64 DER); the agent checks that certificate against the pinned CA, then the signature.
   */
  mpSignature: 'x-siteport-answer-mp-signature',
  signer: 'x-siteport-answer-signer',
} as const;

/** The request an answer belongs to, as the client sent it, and the answer's HTTP status. */
export interface AnswerParts {
  status: number;
  method: string;
  /** Request path including the query string, if any. */
  path: string;
  /** The request's `x-siteport-client` (`register` for a registration). */
  clientId: string;
  /** The request's `x-siteport-session`, or the empty string for a signed request. */
  sessionId: string;
  /** The request's `x-siteport-nonce`. */
  nonce: string;
}

/**
 * What an answer MAC or signature covers before the raw body bytes: one field per line, in a fixed
 * order, and a final newline. Its first line differs from those of request signatures
 * (`siteport-v1`) and request MACs (`siteport-mac-v1`), so no request string is ever an answer string.
 */
export function answerPrefix(parts: AnswerParts): string {
  // One template literal, not an array join: this runs for every answer an MP sends.
  return `siteport-answer-v1\n${parts.status}\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.clientId}\n${parts.sessionId}\n${parts.nonce}\n`;
}
