import { type Static, Type } from '@sinclair/typebox';
import { SiteportError } from '../siteport-error.js';
import { type DirectoryLocation, isDistinguishedName, parseDirectoryUrl } from '../directory/directory-url.js';

/** `PUT /api/v1/sites/{code}/directory`: where and as whom the site publishes itself. */
export const DirectoryConfigBody = Type.Object(
  {
    url: Type.String({ description: 'ldap://host[:port][/base DN] or ldaps://…; without a base DN it is read from the root DSE' }),
    bindDn: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'DN to bind as; null binds anonymously' })),
    password: Type.Optional(Type.String({ description: 'bind password; write-only, kept when omitted; stored encrypted' })),
    startTls: Type.Optional(Type.Boolean({ description: 'upgrade an ldap:// connection with StartTLS before binding (not with ldaps://)' })),
    caCertificate: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'PEM of the CA certificate(s) that signed the directory server certificate; omitted or null: the default trust store',
      }),
    ),
    installProperties: Type.Optional(
      Type.Array(Type.String(), { description: 'extra client installation properties to publish (NAME=VALUE); they override derived ones' }),
    ),
  },
  { additionalProperties: false },
);
export type DirectoryConfigBody = Static<typeof DirectoryConfigBody>;

const DirectoryError = Type.Union([Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() }), Type.Null()]);

/** States of a site's directory publisher. */
export const PUBLISH_STATES = ['off', 'publishing', 'published', 'retrying', 'unpublishing', 'stopped'] as const;
export type PublishState = (typeof PUBLISH_STATES)[number];

/** `GET /api/v1/sites/{code}/directory`: the configuration (never the password) and publish status. */
export const DirectoryView = Type.Object({
  siteCode: Type.String(),
  configured: Type.Boolean(),
  url: Type.Union([Type.String(), Type.Null()]),
  baseDn: Type.Union([Type.String(), Type.Null()]),
  bindDn: Type.Union([Type.String(), Type.Null()]),
  passwordSet: Type.Boolean(),
  /** How the connection is protected: `ldaps` (TLS from the start), `starttls`, or `none` (clear text). */
  tls: Type.Union([Type.Literal('ldaps'), Type.Literal('starttls'), Type.Literal('none')]),
  /** Which CAs verify the directory's certificate: the configured PEM (`custom`) or the default store. */
  tlsCa: Type.Union([Type.Literal('custom'), Type.Literal('default')]),
  /** What is unsafe about these settings (e.g. a bind password sent in clear text over ldap://). */
  warnings: Type.Array(Type.String()),
  installProperties: Type.Array(Type.String()),
  publish: Type.Object({
    state: Type.Union(PUBLISH_STATES.map((s) => Type.Literal(s))),
    /** Settings version last written to the directory. */
    publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
    /** Settings version the site has now. */
    currentVersion: Type.Integer(),
    siteDn: Type.Union([Type.String(), Type.Null()]),
    managementPoints: Type.Array(Type.String()),
    lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
    lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
    nextRetryAt: Type.Union([Type.String(), Type.Null()]),
    failures: Type.Integer(),
    lastError: DirectoryError,
  }),
});
export type DirectoryView = Static<typeof DirectoryView>;

/** A validated directory configuration request. */
export interface DirectoryConfigInput {
  location: DirectoryLocation;
  bindDn: string | null;
  /** Undefined keeps the stored password. */
  password: string | undefined;
  /** StartTLS on an `ldap://` URL. */
  startTls: boolean;
  /** PEM of the CA(s) to trust; null: the default store. */
  caCertificate: string | null;
  installProperties: string[];
}

function bad(field: string, message: string): SiteportError {
  return new SiteportError('E_DIRECTORY_CONFIG', message, { details: { field } });
}

/** Validates a `PUT …/directory` body: every field checked, unknown fields refused. */
export function parseDirectoryConfigBody(body: unknown): DirectoryConfigInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body', 'send a JSON object {"url": "ldap://…", "bindDn": "…", "password": "…"}');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!['url', 'bindDn', 'password', 'startTls', 'caCertificate', 'installProperties'].includes(key)) {
      throw bad(key, `unknown field ${JSON.stringify(key)}; use url, bindDn, password, startTls, caCertificate, installProperties`);
    }
  }
  const location = parseDirectoryUrl(b.url, 'url');
  const bindDn = b.bindDn ?? null;
  if (bindDn !== null && (typeof bindDn !== 'string' || !isDistinguishedName(bindDn))) {
    throw bad('bindDn', `bindDn must be a DN such as cn=siteport,dc=example,dc=com or null, got ${JSON.stringify(bindDn)}`);
  }
  const password = b.password;
  if (password !== undefined && (typeof password !== 'string' || password.length === 0 || password.length > 1024 || /[\r\n\0]/.test(password))) {
    throw bad('password', 'password must be a non-empty string of at most 1024 characters without line breaks');
  }
  const props = b.installProperties ?? [];
  if (!Array.isArray(props) || !props.every((p): p is string => typeof p === 'string') || props.length > 32) {
    throw bad('installProperties', 'installProperties must be a list of at most 32 NAME=VALUE strings');
  }
  const startTls = b.startTls ?? false;
  if (typeof startTls !== 'boolean') throw bad('startTls', `startTls must be true or false, got ${JSON.stringify(startTls)}`);
  if (startTls && location.url.startsWith('ldaps:')) throw bad('startTls', 'ldaps:// is TLS from the start; use startTls only with ldap://');
  const ca = b.caCertificate ?? null;
  if (ca !== null && (typeof ca !== 'string' || ca.length > 65536 || !/-----BEGIN CERTIFICATE-----/.test(ca))) {
    throw bad('caCertificate', 'caCertificate must be PEM text (-----BEGIN CERTIFICATE-----…) of at most 64 KiB, or null for the default trust store');
  }
  if (ca !== null && !startTls && !location.url.startsWith('ldaps:')) {
    throw bad('caCertificate', 'a CA certificate is used only with ldaps:// or startTls; the connection to ldap:// without StartTLS is not encrypted');
  }
  return { location, bindDn, password, startTls, caCertificate: ca, installProperties: props };
}
