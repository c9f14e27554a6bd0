import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { ADMIN_PREFIX, SiteportError } from '@siteport/protocol';
import { decodePath, parseJson, readBody, requestUrl, sendError, sendJson } from '../http/index.js';
import type { AdminRoute, RouteContext } from './admin-route.js';
import { CONSOLE_PREFIX, type ConsoleAccounts, serveConsole } from '../console/index.js';
import type { ApiTokens } from '../tokens/index.js';
import { AdminAuthenticator } from './admin-authenticator.js';
import { applyHttpLimits, type AuthThrottle, httpServerOptions, type ListenerLimits } from '../net/index.js';
import type { HostAllowList } from './host-allow-list.js';
import { openApiDocument } from './openapi.js';
import { RouteInput } from './route-input.js';

interface CompiledRoute {
  route: AdminRoute;
  pattern: RegExp;
  names: string[];
  input: RouteInput;
}

function compile(route: AdminRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${ADMIN_PREFIX}${source}$`), names, input: new RouteInput(route) };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/**
 * The admin HTTP API `/api/v1` (JSON in and out, errors with stable codes) and the web console's
 * static files under `/console/`. Who may call what is decided by {@link AdminAuthenticator}.
 */
export class AdminApi {
  private readonly compiled: CompiledRoute[];
  private readonly openApi: Buffer;
  private server: http.Server | undefined;
  private secure = false;
  private readonly authenticator: AdminAuthenticator;

  constructor(
    private readonly deps: {
      routes: AdminRoute[];
      /** The bootstrap token and the API tokens. */
      tokens: ApiTokens;
      logger: Logger;
      tls: { cert: string; key: string };
      /** Console accounts; without them only the bearer token authenticates. */
      accounts?: ConsoleAccounts;
      /** The built console; without it /console/ is not served. */
      consoleDir?: string;
      /** The names this listener answers to (DNS rebinding guard, decision 0096). */
      hosts: HostAllowList;
      /** Throttles wrong bearer tokens per address (and console sign-ins, through `accounts`). */
      throttle: AuthThrottle;
    },
  ) {
    this.authenticator = new AdminAuthenticator({
      tokens: deps.tokens,
      accounts: deps.accounts,
      secure: () => this.secure,
      throttle: deps.throttle,
    });
    this.compiled = deps.routes.map(compile);
    this.openApi = Buffer.from(JSON.stringify(openApiDocument(deps.routes), null, 2));
  }

  /** Serves a new certificate on an HTTPS admin listener without closing it (decision 0101). */
  setTls(tls: { cert: string; key: string }): void {
    this.deps.tls = tls;
    if (this.secure && this.server instanceof https.Server) this.server.setSecureContext(tls);
  }

  /**
   * Listens on host:port; loopback is plain HTTP, any other address HTTPS with the site certificate.
   * `limits` gives the admin listener timeouts and a connection cap of its own (decision 0091).
   */
  async listen(host: string, port: number, limits: ListenerLimits): Promise<{ port: number; url: string }> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    const secure = !isLoopback(host);
    this.secure = secure;
    const options = httpServerOptions(limits);
    const server = secure
      ? https.createServer({ ...this.deps.tls, ...options }, handler)
      : http.createServer(options, handler);
    applyHttpLimits(server, limits);
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
      // Before anything else, also GETs and the console's files: a rebinding page may read what it gets.
      this.deps.hosts.check(req.headers.host);
      const url = requestUrl(req);
      if (url.pathname === `${ADMIN_PREFIX}/openapi.json` && req.method === 'GET') {
        sendJson(res, 200, this.openApi);
        return;
      }
      if (this.deps.consoleDir !== undefined && req.method === 'GET') {
        if (url.pathname === '/' || url.pathname === '/console') {
          res.writeHead(302, { location: CONSOLE_PREFIX, 'content-length': 0 });
          res.end();
          return;
        }
        if (url.pathname.startsWith(CONSOLE_PREFIX)) {
          await serveConsole(this.deps.consoleDir, url.pathname, res);
          return;
        }
      }
      const matches = this.compiled.filter((c) => c.pattern.test(url.pathname));
      if (matches.length === 0)
        throw new SiteportError('E_NOT_FOUND', `no admin endpoint ${url.pathname}; see ${ADMIN_PREFIX}/openapi.json`);
      const match = matches.find((c) => c.route.method === req.method);
      if (match === undefined) {
        throw new SiteportError(
          'E_METHOD_NOT_ALLOWED',
          `${url.pathname} takes ${matches.map((c) => c.route.method).join(', ')}`,
        );
      }
      const caller = await this.authenticator.authenticate(req, match.route);
      const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
      const params = Object.fromEntries(match.names.map((name, i) => [name, decodePath(values[i] ?? '')]));
      const raw = req.method === 'GET' ? undefined : parseJson(await readBody(req, match.route.maxBodyBytes));
      const siteOf = match.route.siteOf;
      await this.authenticator.authorizeSites(
        caller,
        match.route,
        params,
        siteOf === undefined ? undefined : () => siteOf(params),
      );
      // After authorization (a caller without rights learns nothing from a check), before the handler.
      const query = match.input.query(url.searchParams);
      const body = match.input.body(raw);
      const ctx: RouteContext = {
        params,
        query,
        body,
        actor: caller.actor,
        caller,
        secure: this.secure,
        reply: { headers: {} },
        source: req.socket.remoteAddress,
      };
      const result = await match.route.handle(ctx);
      for (const [name, value] of Object.entries(ctx.reply.headers)) res.setHeader(name, value);
      sendJson(res, 200, result);
    } catch (error) {
      if (!(error instanceof SiteportError))
        this.deps.logger.error({ err: error, url: req.url }, 'admin request failed');
      sendError(res, error);
    }
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
