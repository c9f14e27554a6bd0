import type { IncomingMessage, ServerResponse } from 'node:http';
import { SiteportError, httpStatusOf } from '@siteport/protocol';

/** Largest request body siteport's HTTP surfaces accept. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Sends a JSON body (or pre-serialised JSON bytes) with its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}

/**
 * Sends an error as `{"error":{code,message}}` with the status from the error-code table: the one
 * place an error becomes an HTTP status. Anything that is not a SiteportError is reported as
 * E_INTERNAL (after the caller has logged it).
 */
export function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof SiteportError ? error : new SiteportError('E_INTERNAL', 'internal error; see the server log');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A rate-limited client is told when to come back (RFC 9110 §10.2.3); honest agents wait that long.
  const retryAfter = known.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') res.setHeader('retry-after', String(retryAfter));
  sendJson(res, httpStatusOf(known.code), known.toBody());
}

/** Reads a request body up to {@link MAX_BODY_BYTES}; larger bodies are E_PAYLOAD_TOO_LARGE. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new SiteportError('E_PAYLOAD_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new SiteportError('E_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON body; a syntax error is E_BAD_REQUEST. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new SiteportError('E_BAD_REQUEST', 'the request body is not valid JSON', { cause: error });
  }
}
