import { X509Certificate, createHmac, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  ANSWER_HEADERS,
  type AnswerParts,
  EPOCH_HEADER,
  SESSION_HEADERS,
  SIGNATURE_HEADERS,
  SIGNED_ERROR_CODES,
  answerPrefix,
} from '@siteport/protocol';
import { JsonText, errorAnswer, sendJson, writeJson } from '../http/index.js';
import type { MpEpoch } from './mp-epoch.js';

/** The request an answer belongs to (everything of {@link AnswerParts} but the status). */
export type AnswerRequest = Omit<AnswerParts, 'status'>;

/**
 * How the answer to an authenticated request is authenticated (decision 0092): with the MAC of the
 * session the request was MAC'd with, or with the site's signature when the request was signed.
 */
export type AnswerAuth =
  { kind: 'mac'; key: Buffer; request: AnswerRequest } | { kind: 'signature'; request: AnswerRequest };

/**
 * Who signs answers to signed requests: the site CA's key (the site server, and MP processes of
 * sites set up before decision 0101), or the MP's own key with the certificate the site CA issued
 * for it, which the answer carries so the agent can check it against the pinned CA.
 */
export type AnswerSigner = { caKeyPem: string } | { mpKeyPem: string; mpCertificatePem: string };

interface SigningKey {
  key: KeyObject;
  header: string;
  /** Extra headers (the signer certificate) every signed answer carries. */
  extra: Record<string, string>;
}

function signingKey(signer: AnswerSigner): SigningKey {
  if ('caKeyPem' in signer)
    return { key: createPrivateKey(signer.caKeyPem), header: ANSWER_HEADERS.signature, extra: {} };
  const der = new X509Certificate(signer.mpCertificatePem).raw.toString('base64');
  return {
    key: createPrivateKey(signer.mpKeyPem),
    header: ANSWER_HEADERS.mpSignature,
    extra: { [ANSWER_HEADERS.signer]: der },
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/**
 * Authenticates the answers of one management point process, so an agent can tell them from
 * answers forged on the way (decision 0092): an HMAC with the session key of a MAC'd request (a
 * few µs over bytes that are often cached), an ECDSA signature with the site CA's key for a signed
 * one (registration and session opening; ~40 µs beside the ~100 µs of checking the request), and
 * the epoch of the process on every answer.
 */
export class AnswerSealer {
  private signer: SigningKey;
  private readonly epoch: string;

  constructor(options: { signer: AnswerSigner; epoch: MpEpoch }) {
    this.signer = signingKey(options.signer);
    this.epoch = options.epoch.id;
  }

  /** Signs with a new key from now on (the MP's certificate was renewed). */
  setSigner(signer: AnswerSigner): void {
    this.signer = signingKey(signer);
  }

  /**
   * Sends a JSON answer that needs no MAC (the CA, a probe), naming this process's epoch like every
   * answer. Headers go to `writeHead` in one object (no `setHeader` before it): Node's fast path.
   */
  sendPlain(res: ServerResponse, status: number, body: unknown): void {
    sendJson(res, status, body, { [EPOCH_HEADER]: this.epoch });
  }

  /** The header that authenticates an answer of `status` with these exact body bytes. */
  seal(auth: AnswerAuth, status: number, body: JsonText): [string, string] {
    const prefix = answerPrefix({ ...auth.request, status });
    if (auth.kind === 'mac') {
      return [ANSWER_HEADERS.mac, createHmac('sha256', auth.key).update(prefix).update(body.text).digest('base64url')];
    }
    return [this.signer.header, sign('sha256', Buffer.from(prefix + body.text), this.signer.key).toString('base64')];
  }

  /** Headers a signed answer carries besides its signature (the MP signer's certificate, if any). */
  private signedExtra(auth: AnswerAuth): Record<string, string> {
    return auth.kind === 'signature' ? this.signer.extra : {};
  }

  /** Sends a JSON answer (a value or pre-serialised {@link JsonText}) with its MAC or signature. */
  send(res: ServerResponse, status: number, body: unknown, auth: AnswerAuth): void {
    const json = JsonText.of(body);
    const [name, value] = this.seal(auth, status, json);
    writeJson(res, status, json, { [EPOCH_HEADER]: this.epoch, [name]: value, ...this.signedExtra(auth) });
  }

  /**
   * Sends an error answer. An error that changes what an agent does with its identity
   * ({@link SIGNED_ERROR_CODES}: register again, wait for approval, stop as blocked or retired) is
   * signed, bound to the request's nonce, whenever the request named a client and a nonce; other
   * errors only make an agent retry, and are sent as they are.
   */
  sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answer = errorAnswer(error);
    const request = SIGNED_ERROR_CODES.has(answer.code) ? answerRequestOf(req) : undefined;
    const sealed =
      request === undefined ? undefined : this.seal({ kind: 'signature', request }, answer.status, answer.body);
    const headers: Record<string, string> = { ...answer.headers, [EPOCH_HEADER]: this.epoch };
    if (sealed !== undefined) Object.assign(headers, { [sealed[0]]: sealed[1] }, this.signer.extra);
    sendJson(res, answer.status, answer.body, headers);
  }
}

/** The request parts an answer is bound to, read from a request's authentication headers (undefined without them). */
function answerRequestOf(req: IncomingMessage): AnswerRequest | undefined {
  const clientId = header(req.headers, SIGNATURE_HEADERS.client);
  const nonce = header(req.headers, SIGNATURE_HEADERS.nonce);
  if (clientId === undefined || nonce === undefined) return undefined;
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    clientId,
    sessionId: header(req.headers, SESSION_HEADERS.session) ?? '',
    nonce,
  };
}
