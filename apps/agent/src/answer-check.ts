import { type KeyObject, X509Certificate, createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ANSWER_HEADERS,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  SIGNED_ERROR_CODES,
  answerPrefix,
} from '@siteport/protocol';

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

/** Most MP signer certificates whose check is remembered (one per MP process and renewal). */
const MAX_SIGNERS = 32;
const signers = new Map<string, { site: KeyObject; key: KeyObject; until: number }>();

/**
 * The public key of the MP certificate an answer names (decision 0101), once it is shown to be
 * issued by the pinned site CA and valid now; else why not.
 */
function signerKey(header: string | string[] | undefined, site: KeyObject): KeyObject | string {
  if (typeof header !== 'string' || header.length === 0 || header.length > 8192)
    return 'the answer names no management point certificate';
  const now = Date.now();
  const known = signers.get(header);
  if (known !== undefined && known.site === site && now < known.until) return known.key;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(header, 'base64'));
  } catch {
    return 'the management point certificate the answer names cannot be read';
  }
  if (!cert.verify(site))
    return 'the management point certificate the answer names was not issued by the pinned site CA';
  if (cert.ca) return 'the certificate the answer names is a CA certificate, not a management point certificate';
  const until = Date.parse(cert.validTo);
  if (Date.parse(cert.validFrom) > now || until <= now)
    return 'the management point certificate the answer names is not valid now';
  if (signers.size >= MAX_SIGNERS) signers.clear();
  signers.set(header, { site, key: cert.publicKey, until });
  return cert.publicKey;
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
  const mpSignature = single(answer.headers[ANSWER_HEADERS.mpSignature]);
  if (mac === undefined && signature === undefined && mpSignature === undefined) {
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
    if (signature === undefined && mpSignature === undefined)
      return 'the answer to a signed request carries no site signature';
    if (keys.site === undefined) return 'no site CA is pinned to check the answer signature with';
    const signed = Buffer.concat([Buffer.from(prefix), answer.body]);
    if (signature === undefined && mpSignature !== undefined) {
      const signer = signerKey(answer.headers[ANSWER_HEADERS.signer], keys.site);
      if (typeof signer === 'string') return signer;
      return verify('sha256', signed, signer, Buffer.from(mpSignature, 'base64'))
        ? undefined
        : 'the answer signature does not verify with the management point certificate it names';
    }
    return verify('sha256', signed, keys.site, Buffer.from(signature ?? '', 'base64'))
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
