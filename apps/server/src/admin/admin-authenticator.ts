import type http from 'node:http';
import { CSRF_HEADER, type ConsoleRole, SESSION_COOKIE, SiteportError, isSiteportError } from '@siteport/protocol';
import type { ConsoleAccounts } from '../console/console-accounts.js';
import type { ConsoleSession } from '../console/console-user-repository.js';
import { tokenMatches } from './admin-token.js';
import type { AuthThrottle } from './auth-throttle.js';

/** Who made an admin request, and with which rights. */
export interface Caller {
  /** What the audit log records: `token:<name>` or `user:<name>`. */
  actor: string;
  role: ConsoleRole;
  via: 'token' | 'session' | 'anonymous';
  /** The browser session, when the caller came with the session cookie. */
  session: ConsoleSession | undefined;
}

/** What the authenticator needs to know about the route being called. */
export interface RouteAccess {
  method: string;
  auth: boolean;
  /** A POST that changes nothing (an impact preview): analysts may call it. */
  readOnly?: boolean;
}

const ANONYMOUS: Caller = { actor: 'anonymous', role: 'analyst', via: 'anonymous', session: undefined };

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const changes = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/**
 * The one place the admin API decides who may do what. A request is authenticated by the bearer
 * token (the CLI; full rights) or by the console session cookie. A browser request that changes
 * something must come from the console's own Origin and carry the session's CSRF token; an analyst
 * session may only read.
 */
export class AdminAuthenticator {
  constructor(private readonly deps: { token: string; accounts: ConsoleAccounts | undefined; secure: () => boolean; throttle: AuthThrottle }) {}

  /** The origin a browser shows for this listener, from the Host header the browser sent. */
  private ownOrigin(req: http.IncomingMessage): string {
    return `${this.deps.secure() ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  }

  /** A present Origin must be ours; browsers send one on every cross-origin and every non-GET fetch. */
  private checkOrigin(req: http.IncomingMessage, required: boolean): void {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (required) throw new SiteportError('E_ORIGIN', 'a browser request that changes the site must carry an Origin header; use the console page of this server');
      return;
    }
    if (origin !== this.ownOrigin(req)) {
      throw new SiteportError('E_ORIGIN', `requests from ${origin} may not change this site; open the console at ${this.ownOrigin(req)}/console/`, { details: { origin } });
    }
  }

  /** Authenticates and authorizes one request for a route; throws E_UNAUTHORIZED, E_SESSION, E_ORIGIN, E_CSRF or E_FORBIDDEN. */
  async authenticate(req: http.IncomingMessage, route: RouteAccess): Promise<Caller> {
    if (changes(route.method)) this.checkOrigin(req, false);
    if (!route.auth) return ANONYMOUS;
    const header = req.headers.authorization;
    if (header !== undefined) return this.throttledBearer(header, req);
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie === undefined || this.deps.accounts === undefined) {
      throw new SiteportError('E_UNAUTHORIZED', 'send Authorization: Bearer <token> (the token is in <data dir>/admin-token) or sign in to the console at /console/');
    }
    const session = await this.deps.accounts.session(cookie);
    if (session === undefined) throw new SiteportError('E_SESSION', 'the console session expired or was signed out; sign in again');
    if (changes(route.method)) {
      this.checkOrigin(req, true);
      const csrf = req.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !tokenMatches(session.csrfToken, csrf)) {
        throw new SiteportError('E_CSRF', `a state-changing console request must send the session's CSRF token in ${CSRF_HEADER}; reload the console`);
      }
      if (session.role !== 'administrator' && route.readOnly !== true) {
        throw new SiteportError('E_FORBIDDEN', `${session.userName} is an ${session.role} and may only read; ask an administrator to make this change`, { details: { role: session.role } });
      }
    }
    return { actor: `user:${session.userName}`, role: session.role, via: 'session', session };
  }

  /**
   * Bearer attempts counted per source address (decision 0096): an address that sent too many wrong
   * tokens gets E_TOKEN_BLOCKED (429) before its token is looked at. A success does not refill the budget.
   */
  private async throttledBearer(header: string, req: http.IncomingMessage): Promise<Caller> {
    const attempt = this.deps.throttle.beginToken(req.socket.remoteAddress);
    try {
      const caller = await Promise.resolve(this.bearer(header, req));
      attempt.settle('none');
      return caller;
    } catch (error) {
      attempt.settle(isSiteportError(error, 'E_UNAUTHORIZED') ? 'failure' : 'none');
      throw error;
    }
  }

  private bearer(header: string, req: http.IncomingMessage): Caller {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined || !tokenMatches(this.deps.token, token)) {
      throw new SiteportError('E_UNAUTHORIZED', 'send Authorization: Bearer <token>; the token is in <data dir>/admin-token');
    }
    const who = req.headers['x-siteport-actor'];
    const name = typeof who === 'string' && /^[\w.@-]{1,64}$/.test(who) ? who : 'admin';
    return { actor: `token:${name}`, role: 'administrator', via: 'token', session: undefined };
  }
}
