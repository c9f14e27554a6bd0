import { type Static, Type } from '@sinclair/typebox';
import { GatewayAddress } from './gateway-messages.js';
import { PolicyUpgradeHint } from './upgrade-messages.js';
import { PolicyReachability } from './reachability-messages.js';
import { CLIENT_CATEGORIES, COMMUNICATION_MODES_SCHEMA } from './enums.js';
import {
  AgentStateField,
  AgentVersion,
  ClientHostName,
  IsoDateTime,
  PublicKeyPem,
  StateDirPath,
  WantedSiteCode,
} from './client-fields.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const RequestPortsSchema = Type.Object({ default: Port, alternate: Type.Union([Port, Type.Null()]) });

/** `GET /mp/v1/ca`: the site CA certificate that clients pin at registration. */
export const CaResponse = Type.Object({
  siteCode: Type.String(),
  caCertificate: Type.String({ description: 'PEM' }),
  fingerprint: Type.String({ description: 'SHA-256 of the DER certificate, lower-case hex' }),
  /**
   * CA certificates agents trust for TLS beside the site CA while the MP serves an imported
   * certificate (decision 0101), signed with the site CA's key over {@link trustBundleBytes}.
   */
  trust: Type.Optional(
    Type.Object({
      certificates: Type.String({ maxLength: 65536, description: 'PEM' }),
      signature: Type.String({ maxLength: 512, description: 'base64 ECDSA P-256 / SHA-256' }),
    }),
  ),
});
export type CaResponse = Static<typeof CaResponse>;

/** `POST /mp/v1/register`: signed with the key being registered. */
export const RegisterRequest = Type.Object({
  siteCode: WantedSiteCode,
  hostname: ClientHostName,
  publicKey: PublicKeyPem,
  category: CLIENT_CATEGORIES,
  agentVersion: AgentVersion,
  /** A registration token (setup property SMSREGTOKEN), for sites that register with tokens (decision 0095). */
  registrationToken: Type.Optional(
    Type.String({
      maxLength: 128,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'a registration token (letters, digits, _ and -)',
    }),
  ),
});
export type RegisterRequest = Static<typeof RegisterRequest>;

/** The policy every client downloads: the site's current ports and a settings version. */
export const Policy = Type.Object({
  siteCode: Type.String(),
  settingsVersion: Type.Integer({ minimum: 1 }),
  ports: Type.Object({
    http: RequestPortsSchema,
    https: RequestPortsSchema,
    notification: Port,
    wake: Port,
  }),
  communicationMode: COMMUNICATION_MODES_SCHEMA,
  policyIntervalSeconds: Type.Integer({ minimum: 1 }),
  managementPoints: Type.Array(Type.String(), { description: 'MP host names clients may contact' }),
  /** The site's gateway: clients use it only when no management point answers directly (decision 0113). */
  gateway: Type.Optional(GatewayAddress),
  issuedAt: Type.String({ format: 'date-time' }),
  /** During a pre-flight: new endpoints to test-connect to (GET /mp/v1/probe) and report on. */
  probe: Type.Optional(
    Type.Object({
      rolloutId: Type.String(),
      endpoints: Type.Array(
        Type.Object({ protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]), port: Port }),
      ),
    }),
  ),
  /** While an agent upgrade runs: the agent asks GET /mp/v1/upgrade whether it is offered a version (decision 0111). */
  agentUpgrade: Type.Optional(PolicyUpgradeHint),
  /** How often agents probe which MP ports they reach, and the candidate ports they include (decision 0109). */
  reachability: Type.Optional(PolicyReachability),
});
export type Policy = Static<typeof Policy>;

export const RegisterResponse = Type.Object({
  clientId: Type.String(),
  siteCode: Type.String(),
  policy: Policy,
});
export type RegisterResponse = Static<typeof RegisterResponse>;

/** `POST /mp/v1/heartbeat`: the client's status; the MP records the port and protocol it arrived on. */
export const HeartbeatRequest = Type.Object({
  settingsVersion: Type.Integer({ minimum: 0 }),
  agentState: AgentStateField,
  hostname: ClientHostName,
  /** The client's state dir, so remediation commands can name it. */
  stateDir: Type.Optional(StateDirPath),
  /** The agent version that runs (decision 0111); absent from agents before it. */
  agentVersion: Type.Optional(AgentVersion),
  portSwitch: Type.Optional(
    Type.Object({ at: IsoDateTime, httpPort: Port, httpsPort: Type.Union([Port, Type.Null()]) }),
  ),
});
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object({
  settingsVersion: Type.Integer(),
  observed: Type.Object({ port: Port, protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]) }),
});
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;
