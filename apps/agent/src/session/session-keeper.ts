import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { type SiteportError, isSiteportError } from '@siteport/protocol';
import type { MpRequest, MpResponse, MpTransport } from '../mp-transport.js';
import { type RequestSigner, createRequestSigner } from '../request-signer.js';
import { type ClientSession, openClientSession, sessionHeaders } from './client-session.js';

/** The registered client a request is sent for: its id and Ed25519 key (opens sessions, signs where there is none). */
export interface ClientIdentity {
  clientId: string;
  privateKey: KeyObject;
}

/** A request the keeper authenticates (it brings the signer). */
export type SessionRequest = Omit<MpRequest, 'signer'>;

/** Options of {@link SessionKeeper.request}. */
export interface SessionRequestOptions {
  /** A long-poll: an MP of the 0060 version accepts a session MAC on these only. @default false */
  poll?: boolean;
}

/** Options of {@link SessionKeeper}. */
export interface SessionKeeperOptions {
  logger: Logger;
}

/** After an MP answered that it has no session endpoint (an older version), requests are signed for this long. */
const SIGNED_FOR_MS = 3_600_000;

function lostSession(error: unknown): error is SiteportError {
  return isSiteportError(error, 'E_SESSION_EXPIRED') || isSiteportError(error, 'E_BAD_SESSION_MAC');
}

/**
 * The agent's client sessions (decision 0062), shared by everything that talks to the site — the
 * check-in cycle (heartbeat, policy, inventory, pre-flight reports) and the long-poll — whatever
 * transport it uses, so the agent holds at most one session per management point host and never
 * has two of its own replace each other at one MP process.
 *
 * Before a request it opens a session with the host the transport will try first, if it has none
 * there (one Ed25519-signed request); each attempt then carries that host's session MAC, or a
 * signature when the attempt goes to a host without a session (failover mid-request). A session
 * the MP no longer holds (`E_SESSION_EXPIRED`: restarted, expired, another process) or whose MAC
 * it refuses is dropped, a new one opened and the request sent again, once. Against an MP without
 * the session endpoint (`E_NOT_FOUND`) every request is signed for an hour.
 */
export class SessionKeeper {
  /** By MP host: a session is held by one MP process, which serves every port of its host. */
  private readonly sessions = new Map<string, ClientSession>();
  private readonly opening = new Map<string, Promise<void>>();
  private signedUntil = 0;

  constructor(private readonly options: SessionKeeperOptions) {}

  /** Whether management points offer sessions (false for an hour after one answered that it has none). */
  get offered(): boolean {
    return Date.now() >= this.signedUntil;
  }

  /** The usable session held with an MP host for this client, if any. */
  session(host: string, clientId: string): ClientSession | undefined {
    const session = this.sessions.get(host);
    return session !== undefined && session.clientId === clientId && Date.now() < session.usableUntil
      ? session
      : undefined;
  }

  /**
   * Sends a request through `transport`, authenticated by a session MAC where the MP accepts one
   * and signed elsewhere. `build` is told whether MPs offer sessions (a long-poll waits less on
   * one that does not, decision 0061).
   */
  async request(
    transport: MpTransport,
    who: ClientIdentity,
    build: (sessionsOffered: boolean) => SessionRequest,
    options: SessionRequestOptions = {},
  ): Promise<MpResponse> {
    const sign = createRequestSigner(who.clientId, who.privateKey);
    for (let attempt = 0; ; attempt += 1) {
      await this.prepare(transport, who);
      // The headers of the last attempt: an error answer came from that endpoint.
      const used: { host?: string; session?: ClientSession | undefined } = {};
      const signer: RequestSigner = (input) => {
        const session = this.session(input.host, who.clientId);
        const fits = session !== undefined && (session.scope === 'requests' || options.poll === true);
        used.host = input.host;
        used.session = fits ? session : undefined;
        return fits ? sessionHeaders(session, input.method, input.path, input.body) : sign(input);
      };
      try {
        // The answer to a MAC'd attempt must carry a MAC with the same session's key (decision 0092).
        return await transport.request({ ...build(this.offered), signer, sessionKey: () => used.session?.key });
      } catch (error) {
        if (!lostSession(error) || used.host === undefined || used.session === undefined || attempt > 0) throw error;
        this.options.logger.info(
          { host: used.host, code: error.code },
          'the management point dropped the client session; opening a new one',
        );
        if (this.sessions.get(used.host) === used.session) this.sessions.delete(used.host);
      }
    }
  }

  /** Opens a session with the host the transport tries first, unless one is held there (one opening per host at a time). */
  private async prepare(transport: MpTransport, who: ClientIdentity): Promise<void> {
    if (!this.offered) return;
    const host = transport.preferredHost();
    if (host === undefined || this.session(host, who.clientId) !== undefined) return;
    let pending = this.opening.get(host);
    if (pending === undefined) {
      pending = this.open(transport, who).finally(() => this.opening.delete(host));
      this.opening.set(host, pending);
    }
    await pending;
  }

  private async open(transport: MpTransport, who: ClientIdentity): Promise<void> {
    try {
      const { session, endpoint } = await openClientSession(transport, who.clientId, who.privateKey);
      for (const [host, held] of this.sessions) if (Date.now() >= held.usableUntil) this.sessions.delete(host);
      this.sessions.set(endpoint.host, session);
    } catch (error) {
      // No management point answered: the request itself tries every endpoint again, the site's gateway last (signed).
      if (isSiteportError(error, 'E_MP_UNREACHABLE')) return;
      if (!isSiteportError(error, 'E_NOT_FOUND')) throw error;
      this.options.logger.info('the management point offers no client sessions; signing every request for an hour');
      this.signedUntil = Date.now() + SIGNED_FOR_MS;
    }
  }
}
