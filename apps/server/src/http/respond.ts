import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, SiteportError, httpStatusOf } from '@siteport/protocol';

/** Largest request body siteport's HTTP surfaces accept. */
const MAX_BODY_BYTES = 64 * 1024;

/** After refusing a body unread: how long, and how many more bytes of it, are read and dropped before the connection closes. */
const LINGER = { ms: 2000, bytes: 1024 * 1024 };

/** Requests whose body was refused unread: their answer closes the connection. */
const abandoned = new WeakSet<IncomingMessage>();

/**
 * JSON serialised once, sent as is. Node joins a string body to the header block (one chunk);
 * a Buffer body would be a second chunk, measurably slower on a busy MP (docs/benchmarks.md).
 */
export class JsonText {
  /** Length in bytes (UTF-8). */
  readonly length: number;

  constructor(readonly text: string) {
    this.length = Buffer.byteLength(text);
  }

  static of(value: unknown): JsonText {
    return value instanceof JsonText
      ? value
      : new JsonText(Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value));
  }
}

/** Sends a JSON body (a value, pre-serialised {@link JsonText} or JSON bytes) with its length, and any extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  writeJson(res, status, JsonText.of(body), { ...headers });
}

/**
 * {@link sendJson} for a hot path: `headers` is an object made for this answer alone, completed
 * in place (type, length, and `connection: close` after a refused body) rather than copied.
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  json: JsonText,
  headers: Record<string, string | number>,
): void {
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = json.length;
  if (abandoned.has(res.req)) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(json.text);
}

/** An error as it goes on the wire: its status, its `{"error":{code,message}}` bytes and its headers. */
export interface ErrorAnswer {
  code: ErrorCode;
  status: number;
  body: JsonText;
  headers: Record<string, string>;
}

/**
 * The answer for an error, with the status from the error-code table: the one place an error
 * becomes an HTTP status. Anything that is not a SiteportError is reported as E_INTERNAL (after
 * the caller has logged it). A code that says "not now" (429, 503) carries how long to wait, as
 * the Retry-After header.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  const known =
    error instanceof SiteportError ? error : new SiteportError('E_INTERNAL', 'internal error; see the server log');
  const retryAfter = known.details?.retryAfterSeconds;
  return {
    code: known.code,
    status: httpStatusOf(known.code),
    body: JsonText.of(known.toBody()),
    headers: typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {},
  };
}

/** Sends an error (see {@link errorAnswer}); once an answer has started, the connection is cut instead. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = errorAnswer(error);
  sendJson(res, answer.status, answer.body, answer.headers);
}

/**
 * Reads a JSON request body up to {@link MAX_BODY_BYTES}. A body needs `Content-Type:
 * application/json` (else E_CONTENT_TYPE); a larger one, declared or streamed in chunks, is
 * E_PAYLOAD_TOO_LARGE. A refused body is left unread: its answer carries `Connection: close`
 * and the connection closes once the client has it (see {@link abandonBody}).
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (hasBody && type !== 'application/json') {
      abandonBody(req);
      reject(
        new SiteportError(
          'E_CONTENT_TYPE',
          `the request body must be JSON sent with Content-Type: application/json, not ${JSON.stringify(type || 'none')}`,
        ),
      );
      return;
    }
    if (declared > limit) {
      abandonBody(req);
      reject(
        new SiteportError('E_PAYLOAD_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit}`),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Inline listeners, none bound to a name: this runs for every heartbeat and poll.
    req.on('data', (chunk: Buffer) => {
      if (size < 0) return;
      size += chunk.length;
      if (size > limit) {
        size = -1;
        abandonBody(req);
        reject(new SiteportError('E_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Gives up on a request body: its answer (sent next) closes the connection. Node closes such a
 * connection as soon as the answer is written; a client still sending then gets a reset, and its
 * kernel may drop the answer before the client reads it (RFC 9112 §9.6). So the connection is
 * half-closed instead, what still arrives is dropped, and it closes when the client closes it, or
 * after {@link LINGER} at the latest.
 */
function abandonBody(req: IncomingMessage): void {
  abandoned.add(req);
  const socket = req.socket;
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER.bytes) socket.destroy();
  });
  const timer = setTimeout(() => socket.destroy(), LINGER.ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // Node's http server ends a `Connection: close` response with socket.destroySoon(): replaced by a half-close.
  socket.destroySoon = () => void socket.end();
}

/** Parses a JSON body; invalid UTF-8 or a syntax error is E_BAD_REQUEST. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (!isUtf8(body))
    throw new SiteportError('E_BAD_REQUEST', 'the request body is not valid UTF-8; send JSON encoded as UTF-8');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new SiteportError('E_BAD_REQUEST', 'the request body is not valid JSON', { cause: error });
  }
}

/** The request's URL (path and query, %-escapes kept); a target that is no URL path is E_BAD_REQUEST. */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://request.invalid');
  } catch (error) {
    throw new SiteportError(
      'E_BAD_REQUEST',
      `the request target ${JSON.stringify((req.url ?? '').slice(0, 200))} is not a URL path`,
      { cause: error },
    );
  }
}

/** Decodes the %-escapes of a URL path or path segment; a malformed escape is E_BAD_REQUEST, not an internal error. */
export function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new SiteportError(
      'E_BAD_REQUEST',
      `the path ${JSON.stringify(text.slice(0, 200))} has a malformed %-escape; write a literal % as %25`,
      { cause: error },
    );
  }
}
