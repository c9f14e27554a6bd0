import { X509Certificate } from 'node:crypto';
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  CaResponse,
  HeartbeatResponse,
  MP_PREFIX,
  Policy,
  REGISTRATION_CLIENT_ID,
  RegisterResponse,
  SiteportError,
  UpgradeOfferResponse,
  UpgradePackagePart,
  type UpgradeOffer,
  type UpgradeReport,
  type HeartbeatRequest,
  type ProbeReport,
  type ReachabilityReport,
  type RegisterRequest,
} from '@siteport/protocol';
import type { MpRequest, MpResponse, MpTransport } from './mp-transport.js';
import type { IdentityKey } from './identity-key.js';
import { createRequestSigner } from './request-signer.js';
import { endpointUrl } from './endpoint-list.js';
import type { SessionKeeper, SessionRequest } from './session/session-keeper.js';

// TypeBox checks `format` only for registered formats; Policy.issuedAt uses 'date-time'.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (value) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(value) && !Number.isNaN(Date.parse(value)),
  );
}

/**
 * The calls of the client↔MP protocol (`/mp/v1/…`), each answer checked against the shared
 * schema so that a peer speaking something else is E_PROTOCOL, not a crash. Registration is
 * signed with the key it registers; every later call carries the MAC of the client session where
 * the MP offers one, else a signature (decision 0062).
 */
export class MpClient {
  constructor(
    private readonly transport: MpTransport,
    /** The agent's client sessions, shared with its notification client. */
    private readonly sessions: SessionKeeper,
  ) {}

  /** `GET /mp/v1/ca`. `insecureTls` before a CA is pinned. Checks the fingerprint against the certificate. */
  async fetchCa(insecureTls: boolean): Promise<CaResponse> {
    const response = await this.transport.request({ method: 'GET', path: `${MP_PREFIX}/ca`, insecureTls });
    const ca = checked(CaResponse, response);
    let actual: string;
    try {
      actual = caFingerprint(ca.caCertificate);
    } catch (error) {
      throw new SiteportError(
        'E_PROTOCOL',
        `${endpointUrl(response.endpoint)} sent a CA certificate that cannot be parsed`,
        { cause: error },
      );
    }
    if (actual !== ca.fingerprint.toLowerCase()) {
      throw new SiteportError(
        'E_CA_MISMATCH',
        `the CA certificate from ${endpointUrl(response.endpoint)} has fingerprint ${actual}, not the ${ca.fingerprint} it claims; check for a proxy intercepting the connection`,
      );
    }
    return ca;
  }

  /** `POST /mp/v1/register`, signed with the key being registered. */
  async register(body: RegisterRequest, key: IdentityKey): Promise<RegisterResponse> {
    return checked(
      RegisterResponse,
      await this.send({
        method: 'POST',
        path: `${MP_PREFIX}/register`,
        body,
        signer: createRequestSigner(REGISTRATION_CLIENT_ID, key.privateKey),
        // A registration token is a secret: never over plain HTTP (decision 0095).
        ...(body.registrationToken === undefined ? {} : { confidential: true }),
      }),
    );
  }

  /** `GET /mp/v1/policy`, with the session MAC (or signed). */
  async policy(clientId: string, key: IdentityKey): Promise<Policy> {
    return checked(Policy, await this.authenticated(clientId, key, { method: 'GET', path: `${MP_PREFIX}/policy` }));
  }

  /** `POST /mp/v1/heartbeat`, with the session MAC (or signed). */
  async heartbeat(clientId: string, key: IdentityKey, body: HeartbeatRequest): Promise<HeartbeatResponse> {
    return checked(
      HeartbeatResponse,
      await this.authenticated(clientId, key, { method: 'POST', path: `${MP_PREFIX}/heartbeat`, body }),
    );
  }

  /** `POST /mp/v1/probe-report`, with the session MAC (or signed): what this client reached during a pre-flight. */
  async probeReport(clientId: string, key: IdentityKey, body: ProbeReport): Promise<void> {
    await this.authenticated(clientId, key, { method: 'POST', path: `${MP_PREFIX}/probe-report`, body });
  }

  /** `GET /mp/v1/upgrade`, with the session MAC (or signed): the agent version offered to this client, if any (decision 0111). */
  async upgradeOffer(clientId: string, key: IdentityKey): Promise<UpgradeOffer | null> {
    const answer = checked(
      UpgradeOfferResponse,
      await this.authenticated(clientId, key, { method: 'GET', path: `${MP_PREFIX}/upgrade` }),
    );
    return answer.offer ?? null;
  }

  /** `GET /mp/v1/upgrade/package?version=V&part=N`, with the session MAC (or signed): one part of an offered package. */
  async upgradePart(clientId: string, key: IdentityKey, version: string, part: number): Promise<UpgradePackagePart> {
    const query = new URLSearchParams({ version, part: String(part) }).toString();
    return checked(
      UpgradePackagePart,
      await this.authenticated(clientId, key, { method: 'GET', path: `${MP_PREFIX}/upgrade/package?${query}` }),
    );
  }

  /** `POST /mp/v1/upgrade/report`, with the session MAC (or signed): how an offered upgrade ended on this client. */
  async upgradeReport(clientId: string, key: IdentityKey, body: UpgradeReport): Promise<void> {
    await this.authenticated(clientId, key, { method: 'POST', path: `${MP_PREFIX}/upgrade/report`, body });
  }

  /** `POST /mp/v1/reachability`, with the session MAC (or signed): which MP ports this client reached (decision 0109). */
  async reachability(clientId: string, key: IdentityKey, body: ReachabilityReport): Promise<void> {
    await this.authenticated(clientId, key, { method: 'POST', path: `${MP_PREFIX}/reachability`, body });
  }

  private send(request: MpRequest): Promise<MpResponse> {
    return this.transport.request(request);
  }

  private authenticated(clientId: string, key: IdentityKey, request: SessionRequest): Promise<MpResponse> {
    return this.sessions.request(this.transport, { clientId, privateKey: key.privateKey }, () => request);
  }
}

/** SHA-256 of the DER encoding of a PEM certificate, lower-case hex. */
export function caFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

function checked<S extends TSchema>(schema: S, response: MpResponse): Static<S> {
  if (!Value.Check(schema, response.body)) {
    const first = Value.Errors(schema, response.body).First();
    const where = first === undefined ? '' : ` (${first.path || '/'}: ${first.message})`;
    throw new SiteportError(
      'E_PROTOCOL',
      `${endpointUrl(response.endpoint)} answered ${response.status} with a body that is not siteport protocol${where}; check that the host runs a siteport management point of a compatible version`,
    );
  }
  return response.body;
}
