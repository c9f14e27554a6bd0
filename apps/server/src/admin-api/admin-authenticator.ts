import type http from 'node:http';
import {
  ALL_SITES_PERMISSIONS,
  type AdminRole,
  CSRF_HEADER,
  PERMISSIONS,
  type Permission,
  SESSION_COOKIE,
  SiteportError,
  isSiteportError,
  parseSiteCode,
  roleAllows,
  siteInScope,
} from '@siteport/protocol';
import type { ConsoleAccounts, ConsoleSession } from '../console/index.js';
import { type ApiTokens, tokenMatches } from '../tokens/index.js';
import type { AuthThrottle } from '../net/index.js';

/** Who made an admin request, and with which rights. */
export interface Caller {
  /** What the audit log records: `token:<name>` or `user:<name>`, always from the credential, never from a header. */
  actor: string;
  role: AdminRole;
  /** The sites the caller is limited to; null for every site. */
  sites: string[] | null;
  via: 'token' | 'session' | 'anonymous';
  /** The browser session, when the caller came with the session cookie. */
  session: ConsoleSession | undefined;
  /** The API token's id (`bootstrap` for `<data dir>/admin-token`), when the caller came with a token. */
  tokenId?: string;
}

/** What the authenticator needs to know about the route being called. */
export interface RouteAccess {
  method: string;
  path: string;
  auth: boolean;
  /** What the caller must hold (decision 0094). */
  permission: Permission;
  /** A POST that changes nothing (an impact preview). */
  readOnly?: boolean;
}

/** Path parameters that name a site, checked against the caller's site scope. */
const SITE_PARAMS = ['code', 'secondary'] as const;

const ANONYMOUS: Caller = { actor: 'anonymous', role: 'analyst', sites: [], via: 'anonymous', session: undefined };

/** Reads one cookie from a Cookie header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const changes = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/** The permissions a caller holds: its role's, less those that need every site when it is limited to some. */
export function callerPermissions(caller: Pick<Caller, 'role' | 'sites'>): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter(
    (p) =>
      p !== 'public' && roleAllows(caller.role, p) && (caller.sites === null || !ALL_SITES_PERMISSIONS.includes(p)),
  );
}

/**
 * The one place the admin API decides who may do what (decision 0094). A request is authenticated
 * by a bearer token (the bootstrap token or an API token) or by the console session cookie; a
 * browser request that changes something must come from the console's own Origin and carry the
 * session's CSRF token. The caller's role must hold the route's permission, and every site the
 * request names must lie in the caller's site scope.
 */
export class AdminAuthenticator {
  constructor(
    private readonly deps: {
      tokens: ApiTokens;
      accounts: ConsoleAccounts | undefined;
      secure: () => boolean;
      throttle: AuthThrottle;
    },
  ) {}

  /** The origin a browser shows for this listener, from the Host header the browser sent. */
  private ownOrigin(req: http.IncomingMessage): string {
    return `${this.deps.secure() ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  }

  /** A present Origin must be ours; browsers send one on every cross-origin and every non-GET fetch. */
  private checkOrigin(req: http.IncomingMessage, required: boolean): void {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (required)
        throw new SiteportError(
          'E_ORIGIN',
          'a browser request that changes the site must carry an Origin header; use the console page of this server',
        );
      return;
    }
    if (origin !== this.ownOrigin(req)) {
      throw new SiteportError(
        'E_ORIGIN',
        `requests from ${origin} may not change this site; open the console at ${this.ownOrigin(req)}/console/`,
        { details: { origin } },
      );
    }
  }

  /**
   * Authenticates one request and checks the caller's role against the route's permission; throws
   * E_UNAUTHORIZED, E_SESSION, E_ORIGIN, E_CSRF or E_FORBIDDEN. Site scope is checked by {@link authorizeSites}
   * once the path parameters are known.
   */
  async authenticate(req: http.IncomingMessage, route: RouteAccess): Promise<Caller> {
    if (changes(route.method)) this.checkOrigin(req, false);
    if (!route.auth) return ANONYMOUS;
    const caller = await this.identify(req, route);
    this.permit(caller, route);
    return caller;
  }

  private async identify(req: http.IncomingMessage, route: RouteAccess): Promise<Caller> {
    const header = req.headers.authorization;
    if (header !== undefined) return this.throttledBearer(header, req);
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie === undefined || this.deps.accounts === undefined) {
      throw new SiteportError(
        'E_UNAUTHORIZED',
        'send Authorization: Bearer <token> (the bootstrap token is in <data dir>/admin-token) or sign in to the console at /console/',
      );
    }
    const session = await this.deps.accounts.session(cookie);
    if (session === undefined)
      throw new SiteportError(
        'E_SESSION',
        'the console session expired, was signed out or its account was disabled; sign in again',
      );
    if (changes(route.method)) {
      this.checkOrigin(req, true);
      const csrf = req.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !tokenMatches(session.csrfToken, csrf)) {
        throw new SiteportError(
          'E_CSRF',
          `a state-changing console request must send the session's CSRF token in ${CSRF_HEADER}; reload the console`,
        );
      }
    }
    return { actor: `user:${session.userName}`, role: session.role, sites: session.sites, via: 'session', session };
  }

  /**
   * Wrong bearer tokens counted per source address (decision 0096): once an address sent too many,
   * its wrong tokens get E_TOKEN_BLOCKED (429) instead of 401. A right token is never refused: a
   * 256-bit token cannot be guessed, and refusing it would let anyone sharing the address (every
   * local user, on the default loopback listener) lock the administrator out.
   */
  private async throttledBearer(header: string, req: http.IncomingMessage): Promise<Caller> {
    try {
      return await this.bearer(header);
    } catch (error) {
      if (isSiteportError(error, 'E_UNAUTHORIZED'))
        this.deps.throttle.beginToken(req.socket.remoteAddress).settle('failure');
      throw error;
    }
  }

  /** The caller a bearer token names: the bootstrap token or an API token (decision 0094). */
  private async bearer(header: string): Promise<Caller> {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined)
      throw new SiteportError(
        'E_UNAUTHORIZED',
        'send Authorization: Bearer <token>; the bootstrap token is in <data dir>/admin-token',
      );
    const identity = await this.deps.tokens.authenticate(token);
    return {
      actor: `token:${identity.name}`,
      role: identity.role,
      sites: identity.sites,
      via: 'token',
      session: undefined,
      tokenId: identity.id,
    };
  }

  private permit(caller: Caller, route: RouteAccess): void {
    if (!roleAllows(caller.role, route.permission)) {
      throw new SiteportError(
        'E_FORBIDDEN',
        `${caller.actor} is ${caller.role === 'administrator' || caller.role === 'operator' || caller.role === 'analyst' ? 'an' : 'a'} ${caller.role} and may not ${PERMISSIONS[route.permission]} (${route.method} ${route.path} needs ${route.permission}); ask an administrator`,
        { details: { role: caller.role, permission: route.permission } },
      );
    }
    if (caller.sites !== null && ALL_SITES_PERMISSIONS.includes(route.permission)) {
      throw new SiteportError(
        'E_FORBIDDEN',
        `${caller.actor} is limited to sites ${caller.sites.join(', ')}; ${route.permission} needs a caller with every site`,
        {
          details: { sites: caller.sites, permission: route.permission },
        },
      );
    }
  }

  /**
   * Checks the caller's site scope against every site a request names: the `{code}`/`{secondary}`
   * path parameters and the resource's own site (`siteOf`). A request that names no site may read
   * (lists are filtered to the caller's sites) but a caller limited to some sites may not change
   * anything site-wide.
   */
  async authorizeSites(
    caller: Caller,
    route: RouteAccess,
    params: Record<string, string>,
    siteOf?: () => Promise<string>,
  ): Promise<void> {
    if (caller.sites === null || !route.auth) return;
    const sites = SITE_PARAMS.flatMap((name) =>
      params[name] === undefined ? [] : [parseSiteCode(params[name], `site code in the path (${name})`)],
    );
    if (siteOf !== undefined) sites.push(await siteOf());
    for (const code of sites) {
      if (!siteInScope(caller.sites, code)) {
        throw new SiteportError(
          'E_FORBIDDEN',
          `${caller.actor} is limited to sites ${caller.sites.join(', ')}; site ${code} is outside its scope`,
          {
            details: { sites: caller.sites, site: code },
          },
        );
      }
    }
    if (sites.length === 0 && changes(route.method) && route.readOnly !== true && route.permission !== 'session') {
      throw new SiteportError(
        'E_FORBIDDEN',
        `${caller.actor} is limited to sites ${caller.sites.join(', ')}; ${route.method} ${route.path} is not limited to one site`,
        {
          details: { sites: caller.sites },
        },
      );
    }
  }
}
