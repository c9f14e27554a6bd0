import http from 'node:http';
import https from 'node:https';
import { ADMIN_PREFIX, SiteportError } from '@siteport/protocol';

/** Another site server's admin API: its URL, bearer token and (for HTTPS) the CA to trust. */
export interface PeerTarget {
  url: string;
  token: string;
  caCertificate?: string | null;
}

/** Checks an admin API base URL (http or https, no path beyond /) and returns its origin. */
export function checkPeerUrl(text: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new SiteportError(
      'E_VALIDATION',
      `${what} must be an admin API URL like http://10.0.0.5:8440, got ${JSON.stringify(text)}`,
      {
        details: { field: what },
      },
    );
  }
  return url.origin;
}

/**
 * Calls another site server's admin API with JSON. An error answer becomes the SiteportError it
 * carries; no answer becomes E_PEER_UNREACHABLE naming the URL.
 */
export function callPeer<T>(
  target: PeerTarget,
  method: string,
  pathUnderApi: string,
  body?: unknown,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const url = new URL(`${ADMIN_PREFIX}${pathUnderApi}`, target.url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<T>((resolve, reject) => {
    const req = transport.request(url, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }),
      },
      ...(target.caCertificate ? { ca: target.caCertificate } : {}),
      timeout: options.timeoutMs ?? 15_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => reject(unreachable(url, error)));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          reject(
            new SiteportError(
              'E_PEER_UNREACHABLE',
              `${url.origin} did not answer with siteport JSON (HTTP ${res.statusCode ?? 0}); is it a siteport server?`,
              { cause: error },
            ),
          );
          return;
        }
        if ((res.statusCode ?? 500) >= 400)
          reject(SiteportError.fromBody(parsed, `HTTP ${res.statusCode ?? 0} from ${url.origin}`));
        else resolve(parsed as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', (error) => reject(unreachable(url, error)));
    req.end(payload);
  });
}

function unreachable(url: URL, error: Error): SiteportError {
  return new SiteportError(
    'E_PEER_UNREACHABLE',
    `cannot reach the site server at ${url.origin}: ${error.message}; check that it runs and the URL`,
    {
      cause: error,
      details: { url: url.origin },
    },
  );
}
