import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { ADMIN_PREFIX, SiteportError } from '@siteport/protocol';
import { parseJson, readBody, sendError, sendJson } from '../http/respond.js';
import { type AdminRoute, type RouteContext } from './admin-routes.js';
import { tokenMatches } from './admin-token.js';
import { openApiDocument } from './openapi.js';

interface CompiledRoute {
  route: AdminRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: AdminRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${ADMIN_PREFIX}${source}$`), names };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/** The admin HTTP API `/api/v1`: bearer-token auth, JSON in and out, errors with stable codes. */
export class AdminApi {
  private readonly compiled: CompiledRoute[];
  private readonly openApi: Buffer;
  private server: http.Server | undefined;

  constructor(
    private readonly deps: { routes: AdminRoute[]; token: string; logger: Logger; tls: { cert: string; key: string } },
  ) {
    this.compiled = deps.routes.map(compile);
    this.openApi = Buffer.from(JSON.stringify(openApiDocument(deps.routes), null, 2));
  }

  /** Listens on host:port; loopback is plain HTTP, any other address HTTPS with the site certificate. */
  async listen(host: string, port: number): Promise<{ port: number; url: string }> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    const secure = !isLoopback(host);
    const server = secure ? https.createServer({ ...this.deps.tls }, handler) : http.createServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as { port: number }).port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return { port: bound, url: `${secure ? 'https' : 'http'}://${urlHost}:${bound}` };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://admin');
      if (url.pathname === `${ADMIN_PREFIX}/openapi.json` && req.method === 'GET') {
        sendJson(res, 200, this.openApi);
        return;
      }
      const matches = this.compiled.filter((c) => c.pattern.test(url.pathname));
      if (matches.length === 0) throw new SiteportError('E_NOT_FOUND', `no admin endpoint ${url.pathname}; see ${ADMIN_PREFIX}/openapi.json`);
      const match = matches.find((c) => c.route.method === req.method);
      if (match === undefined) {
        throw new SiteportError('E_METHOD_NOT_ALLOWED', `${url.pathname} takes ${matches.map((c) => c.route.method).join(', ')}`);
      }
      const actor = match.route.auth ? this.authenticate(req) : 'anonymous';
      const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
      const params = Object.fromEntries(match.names.map((name, i) => [name, decodeURIComponent(values[i] ?? '')]));
      const body = req.method === 'GET' ? undefined : parseJson(await readBody(req));
      const ctx: RouteContext = { params, query: url.searchParams, body, actor };
      sendJson(res, 200, await match.route.handle(ctx));
    } catch (error) {
      if (!(error instanceof SiteportError)) this.deps.logger.error({ err: error, url: req.url }, 'admin request failed');
      sendError(res, error);
    }
  }

  /** Checks the bearer token; the actor is who the caller says it is (X-Siteport-Actor) behind the token. */
  private authenticate(req: http.IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined || !tokenMatches(this.deps.token, token)) {
      throw new SiteportError('E_UNAUTHORIZED', 'send Authorization: Bearer <token>; the token is in <data dir>/admin-token');
    }
    const who = req.headers['x-siteport-actor'];
    const name = typeof who === 'string' && /^[\w.@-]{1,64}$/.test(who) ? who : 'admin';
    return `token:${name}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), 2000);
    await closed;
    clearTimeout(grace);
  }
}
