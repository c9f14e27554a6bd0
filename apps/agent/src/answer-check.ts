import { type KeyObject, X509Certificate, createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ANSWER_HEADERS, SESSION_HEADERS, SIGNATURE_HEADERS, SIGNED_ERROR_CODES, answerPrefix } from '@siteport/protocol';

/** The request as this attempt sent it: what its answer must be bound to. */
export interface SentRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** The authentication headers of the attempt (client, timestamp, nonce, and session + MAC or signature). */
  headers: Readonly<Record<string, string>>;
}

/** An answer as received: status, headers and the exact body bytes. */
export interface ReceivedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The siteport error code of an error answer. */
  code?: string;
}

/** What an answer is checked with. */
export interface AnswerKeys {
  /** The key of the client session the request was MAC'd with (undefined for a signed request). */
  session: Buffer | undefined;
  /** The public key of the pinned site CA (undefined before one is pinned). */
  site: KeyObject | undefined;
  /**
   * The answer came over TLS verified against the pinned site CA: the channel itself shows it is
   * the site's, so an answer without MAC or signature (from an MP older than decision 0092) is
   * accepted there. Never true over plain HTTP, where a proxy could strip them.
   */
  pinnedTls: boolean;
}

const MAC_BYTES = 32;

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
}

/** The public key of a PEM certificate (the pinned site CA). */
export function certificateKey(pem: string): KeyObject {
  return new X509Certificate(pem).publicKey;
}

/**
 * Whether the agent may act on an answer (decision 0092); returns why not, or undefined. Every
 * success answer to an authenticated request must carry the MAC of the session the request used or
 * the site CA's signature over the answer bound to the request's nonce; every error of
 * {@link SIGNED_ERROR_CODES} (register again, waiting for approval, blocked, retired) the site
 * CA's signature. Other error answers only make the agent retry.
 */
export function answerProblem(sent: SentRequest, answer: ReceivedAnswer, keys: AnswerKeys): string | undefined {
  const signedError = answer.code !== undefined && SIGNED_ERROR_CODES.has(answer.code);
  if (!(answer.status >= 200 && answer.status < 300) && !signedError) return undefined;
  const clientId = sent.headers[SIGNATURE_HEADERS.client] ?? '';
  const nonce = sent.headers[SIGNATURE_HEADERS.nonce] ?? '';
  const sessionId = sent.headers[SESSION_HEADERS.session] ?? '';
  const mac = single(answer.headers[ANSWER_HEADERS.mac]);
  const signature = single(answer.headers[ANSWER_HEADERS.signature]);
  if (mac === undefined && signature === undefined) {
    return keys.pinnedTls ? undefined : 'the answer carries neither a session MAC nor a site signature';
  }
  const prefix = answerPrefix({
    status: answer.status,
    method: sent.method,
    path: sent.path,
    clientId,
    sessionId,
    nonce,
  });
  if (sessionId === '' || signedError) {
    if (signature === undefined) return 'the answer to a signed request carries no site signature';
    if (keys.site === undefined) return 'no site CA is pinned to check the answer signature with';
    const signed = Buffer.concat([Buffer.from(prefix), answer.body]);
    return verify('sha256', signed, keys.site, Buffer.from(signature, 'base64'))
      ? undefined
      : 'the answer signature does not verify with the pinned site CA';
  }
  if (mac === undefined || keys.session === undefined)
    return 'the answer to a MAC-authenticated request carries no session MAC';
  const expected = createHmac('sha256', keys.session).update(prefix).update(answer.body).digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === MAC_BYTES && timingSafeEqual(given, expected)
    ? undefined
    : 'the answer MAC does not verify with the session key';
}
