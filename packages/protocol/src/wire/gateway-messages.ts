import { type Static, Type } from '@sinclair/typebox';
import { CLIENT_STATUSES } from './registration-messages.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535, description: 'a TCP port, 1 to 65535' });

/** A gateway's public host name: a DNS name or an IP address, as clients outside the network reach it. */
export const GatewayHost = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9.:-]+$',
  description: 'the host name (or address) clients outside the network reach the gateway at',
});

/** Where clients outside the network reach a site's gateway (decision 0113); announced in policy. */
export const GatewayAddress = Type.Object(
  { host: GatewayHost, port: Port },
  { additionalProperties: false, description: "the site's gateway: public host name and HTTPS port" },
);
export type GatewayAddress = Static<typeof GatewayAddress>;

/** `PUT /sites/{code}/gateway`: set the gateway clients use when no management point answers directly. */
export const GatewaySettingsBody = GatewayAddress;
export type GatewaySettingsBody = Static<typeof GatewaySettingsBody>;

/** `GET /sites/{code}/gateway`: the gateway clients learn from policy, or null. */
export const GatewayView = Type.Object({
  siteCode: Type.String(),
  gateway: Type.Union([GatewayAddress, Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type GatewayView = Static<typeof GatewayView>;

/** One internal management point endpoint a gateway relays to. */
export const GatewayUpstreamEndpoint = Type.Object({
  host: Type.String(),
  protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]),
  port: Port,
});
export type GatewayUpstreamEndpoint = Static<typeof GatewayUpstreamEndpoint>;

/**
 * `GET /sites/{code}/gateway/upstream` (gateway role): the management points and the request ports
 * they serve now (both sides of an open rollout), the site CA, and the configured gateway.
 */
export const GatewayUpstream = Type.Object({
  siteCode: Type.String(),
  caCertificate: Type.String({ maxLength: 65536 }),
  gateway: Type.Union([GatewayAddress, Type.Null()]),
  endpoints: Type.Array(GatewayUpstreamEndpoint, { maxItems: 1024 }),
});
export type GatewayUpstream = Static<typeof GatewayUpstream>;

/** `GET /sites/{code}/gateway/clients/{id}` (gateway role): what a gateway verifies a client's requests with. */
export const GatewayClientKey = Type.Object({
  id: Type.String(),
  status: Type.Union(CLIENT_STATUSES.map((s) => Type.Literal(s))),
  publicKey: Type.String({ maxLength: 4096, description: 'Ed25519 public key, SPKI PEM' }),
});
export type GatewayClientKey = Static<typeof GatewayClientKey>;

/** `POST /sites/{code}/gateway/certificate` (gateway role): the public key of the gateway's TLS key pair. */
export const GatewayCertificateBody = Type.Object(
  {
    publicKey: Type.String({
      minLength: 64,
      maxLength: 1024,
      pattern: '^-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----\\s*$',
      description: 'ECDSA P-256 public key, SPKI PEM',
    }),
  },
  { additionalProperties: false },
);
export type GatewayCertificateBody = Static<typeof GatewayCertificateBody>;

/** A gateway certificate the site CA issued for the configured public host name only. */
export const GatewayCertificate = Type.Object({
  certificate: Type.String(),
  caCertificate: Type.String(),
  names: Type.Array(Type.String()),
});
export type GatewayCertificate = Static<typeof GatewayCertificate>;
