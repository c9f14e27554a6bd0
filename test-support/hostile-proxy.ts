import http from 'node:http';
import type { HasAfter } from './temp-dir.js';

/** What the proxy does to one answer: leave it, or give back a new body (and which headers to keep). */
export type Rewrite = (path: string, body: unknown) => { body: unknown; keepAuth: boolean } | undefined;

/** Answers the proxy sends without asking the management point (its own forged answer). */
export type Forge = (
  path: string,
  genuineHeaders: http.IncomingHttpHeaders | undefined,
) => { body: unknown; headers: Record<string, string>; status?: number } | undefined;

const AUTH_HEADERS = ['x-siteport-answer-mac', 'x-siteport-answer-signature'];

/**
 * An HTTP proxy between agents and a management point, as an attacker on the path runs it: it
 * forwards every request, and while `rewrite` or `forge` say so it changes the answer's body
 * (keeping or stripping its MAC or signature headers) or answers itself, with the authentication
 * headers of the last genuine answer on that path. Counts what it forged per path. Loopback only.
 */
export class HostileProxy {
  rewrite: Rewrite | undefined;
  forge: Forge | undefined;
  /** Forged or rewritten answers delivered, by path. */
  readonly forged = new Map<string, number>();
  /** Requests seen, by path. */
  readonly seen = new Map<string, number>();
  private readonly genuine = new Map<string, http.IncomingHttpHeaders>();
  private readonly pending = new Set<{ path: string; res: http.ServerResponse }>();

  private constructor(
    private readonly server: http.Server,
    private readonly upstream: { host: string; port: number },
  ) {}

  /** Listens on `listen.host:listen.port` and forwards to `upstream`; closed after the test. */
  static async start(
    t: HasAfter,
    listen: { host: string; port: number },
    upstream: { host: string; port: number },
  ): Promise<HostileProxy> {
    const server = http.createServer();
    const proxy = new HostileProxy(server, upstream);
    server.on('request', (req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
    t.after(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return proxy;
  }

  /** Answers the requests it is still waiting on upstream (a long-poll) with forged answers, now. */
  forgePending(): void {
    for (const entry of [...this.pending]) {
      const forged = this.forge?.(entry.path, this.genuine.get(entry.path));
      if (forged === undefined) continue;
      this.pending.delete(entry);
      this.send(entry.path, entry.res, forged.status ?? 200, forged.headers, forged.body);
    }
  }

  count(map: Map<string, number>, path: string): number {
    return map.get(path) ?? 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.seen.set(path, this.count(this.seen, path) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forged = this.forge?.(path, this.genuine.get(path));
      if (forged !== undefined) {
        this.send(path, res, forged.status ?? 200, forged.headers, forged.body);
        return;
      }
      const entry = { path, res };
      this.pending.add(entry);
      const upstream = http.request(
        {
          host: this.upstream.host,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `${this.upstream.host}:${this.upstream.port}` },
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            if (!this.pending.delete(entry)) return;
            this.relay(path, res, answer, Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => {
        if (this.pending.delete(entry)) res.destroy();
      });
      res.on('close', () => {
        this.pending.delete(entry);
        upstream.destroy();
      });
      upstream.end(Buffer.concat(chunks));
    });
  }

  private relay(path: string, res: http.ServerResponse, answer: http.IncomingMessage, bytes: Buffer): void {
    const status = answer.statusCode ?? 502;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (typeof value === 'string' && name !== 'content-length' && name !== 'connection') headers[name] = value;
    if (status === 200) this.genuine.set(path, answer.headers);
    const changed = status === 200 ? this.rewrite?.(path, JSON.parse(bytes.toString('utf8'))) : undefined;
    if (changed === undefined) {
      res.writeHead(status, { ...headers, 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    if (!changed.keepAuth) for (const name of AUTH_HEADERS) delete headers[name];
    this.send(path, res, status, headers, changed.body);
  }

  private send(
    path: string,
    res: http.ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: unknown,
  ): void {
    const bytes = Buffer.from(JSON.stringify(body));
    this.forged.set(path, this.count(this.forged, path) + 1);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes.length,
    });
    res.end(bytes);
  }
}

/** The authentication and epoch headers of a genuine answer, to staple onto a forged one (a replay of its MAC). */
export function authHeadersOf(headers: http.IncomingHttpHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...AUTH_HEADERS, 'x-siteport-epoch']) {
    const value = headers?.[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}
