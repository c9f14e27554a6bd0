import type http from 'node:http';
import { transportFailure } from '../transport-failure.js';

/** Largest answer body read. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What one HTTP exchange brought back, whatever its status. */
export interface Exchanged {
  status: number;
  /** The parsed JSON body, undefined when empty or not JSON. */
  body: unknown;
  /** The exact body bytes (answer MACs and signatures cover them). */
  bytes: Buffer;
  headers: http.IncomingHttpHeaders;
  /** The address the connection went to. */
  address: string | undefined;
}

/**
 * Sends `body` on `req` and reads the answer within `timeoutMs` (connect included). On a timeout or an
 * error the request is destroyed and `abandon` is called, so a connection still being raced is
 * destroyed too instead of running on until the system's connect timeout.
 */
export function exchange(
  req: http.ClientRequest,
  body: Buffer,
  timeoutMs: number,
  abandon: () => void,
): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    let done = false;
    const finish = (error?: Error): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      if (error !== undefined) {
        abandon();
        reject(error);
      }
      return true;
    };
    // Rejected here, not only by the request's 'error': a connection still being set up (Happy
    // Eyeballs) reports that error only when its attempts end.
    const timer = setTimeout(() => {
      const failure = transportFailure(`timed out after ${timeoutMs} ms`);
      req.destroy(failure);
      finish(failure);
    }, timeoutMs);
    req.on('error', (error) => finish(error));
    req.on('response', (res) => {
      // Read now: a kept-alive socket is back in the pool by the end of the body.
      const address = res.socket?.remoteAddress;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(transportFailure('response larger than 1 MiB'));
        else chunks.push(chunk);
      });
      res.on('error', (error) => finish(error));
      res.on('end', () => {
        if (!finish()) return;
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        let parsed: unknown;
        try {
          parsed = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, bytes, headers: res.headers, address });
      });
    });
    req.end(body.length > 0 ? body : undefined);
  });
}
