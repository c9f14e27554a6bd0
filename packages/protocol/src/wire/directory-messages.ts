import { type Static, Type } from '@sinclair/typebox';
import { SiteportError } from '../siteport-error.js';
import { type DirectoryLocation, isDistinguishedName, parseDirectoryUrl } from '../directory/directory-url.js';

/** `PUT /api/v1/sites/{code}/directory`: where and as whom the site publishes itself. */
export const DirectoryConfigBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'ldap://host[:port][/base DN] or ldaps://…; without a base DN it is read from the root DSE',
    }),
    bindDn: Type.Optional(
      Type.Union([Type.String({ maxLength: 1024 }), Type.Null()], {
        description: 'DN to bind as; null binds anonymously',
      }),
    ),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        pattern: '^[^\\r\\n\\u0000]+$',
        description:
          'the bind password: 1 to 1024 characters without line breaks; write-only, kept when omitted; stored encrypted',
      }),
    ),
    startTls: Type.Optional(
      Type.Boolean({ description: 'upgrade an ldap:// connection with StartTLS before binding (not with ldaps://)' }),
    ),
    caCertificate: Type.Optional(
      Type.Union([Type.String({ maxLength: 65536 }), Type.Null()], {
        description:
          'PEM of the CA certificate(s) that signed the directory server certificate; omitted or null: the default trust store',
      }),
    ),
    installProperties: Type.Optional(
      Type.Array(Type.String({ maxLength: 1024 }), {
        maxItems: 32,
        description: 'extra client installation properties to publish (NAME=VALUE); they override derived ones',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DirectoryConfigBody = Static<typeof DirectoryConfigBody>;

const DirectoryError = Type.Union([
  Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() }),
  Type.Null(),
]);

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

/**
 * The rules of a `PUT …/directory` body its schema cannot state (E_DIRECTORY_CONFIG naming the
 * field): the URL and DNs, StartTLS only with ldap://, a CA certificate only where TLS is used.
 */
export function checkDirectoryConfig(body: DirectoryConfigBody): DirectoryConfigInput {
  const location = parseDirectoryUrl(body.url, 'url');
  const bindDn = body.bindDn ?? null;
  if (bindDn !== null && !isDistinguishedName(bindDn)) {
    throw bad(
      'bindDn',
      `bindDn must be a DN such as cn=siteport,dc=example,dc=com or null, got ${JSON.stringify(bindDn)}`,
    );
  }
  const startTls = body.startTls ?? false;
  if (startTls && location.url.startsWith('ldaps:'))
    throw bad('startTls', 'ldaps:// is TLS from the start; use startTls only with ldap://');
  const ca = body.caCertificate ?? null;
  if (ca !== null && !/-----BEGIN CERTIFICATE-----/.test(ca)) {
    throw bad(
      'caCertificate',
      'caCertificate must be PEM text (-----BEGIN CERTIFICATE-----…), or null for the default trust store',
    );
  }
  if (ca !== null && !startTls && !location.url.startsWith('ldaps:')) {
    throw bad(
      'caCertificate',
      'a CA certificate is used only with ldaps:// or startTls; the connection to ldap:// without StartTLS is not encrypted',
    );
  }
  return {
    location,
    bindDn,
    password: body.password,
    startTls,
    caCertificate: ca,
    installProperties: body.installProperties ?? [],
  };
}
