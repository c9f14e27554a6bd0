import { type Static, Type } from '@sinclair/typebox';
import { SiteportError } from '../siteport-error.js';

/** Where the certificate a management point serves comes from (decision 0101). */
export const CERTIFICATE_SOURCES = ['site-ca', 'imported'] as const;
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

/**
 * What the site CA signs so agents take further TLS trust anchors from `GET /mp/v1/ca` (decision
 * 0101): a first line no request, answer or certificate begins with, the site code, the PEM text.
 */
export function trustBundleBytes(siteCode: string, certificates: string): string {
  return `siteport-trust-v1\n${siteCode}\n${certificates}`;
}

/** Largest PEM text or PKCS#12 file (base64) an import takes: three of them fit the admin API's 64 KiB body limit. */
export const MAX_CERTIFICATE_INPUT = 20 * 1024;

/** `GET /sites/{code}/certificate`: the certificate this site's management point serves. */
export const CertificateView = Type.Object({
  source: Type.Union(CERTIFICATE_SOURCES.map((s) => Type.Literal(s))),
  subject: Type.String(),
  issuer: Type.String(),
  /** Subject alternative names: DNS names and IP addresses. */
  names: Type.Array(Type.String()),
  serial: Type.String({ description: 'hex, upper case as OpenSSL prints it' }),
  notBefore: Type.String({ format: 'date-time' }),
  notAfter: Type.String({ format: 'date-time' }),
  fingerprint: Type.String({ description: 'SHA-256 of the DER certificate, lower-case hex' }),
  /** When the site CA renews it (a third of its lifetime before expiry); null for an imported one. */
  renewAfter: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** CA certificates agents trust beside the site CA for this certificate (the imported chain's root). */
  trustAnchors: Type.Array(Type.Object({ subject: Type.String(), fingerprint: Type.String() })),
  /** What the administrator should know: names clients use that the certificate lacks, near expiry. */
  warnings: Type.Array(Type.String()),
});
export type CertificateView = Static<typeof CertificateView>;

/**
 * `POST /sites/{code}/certificate/import`: PEM (`certificate` + `key`, optional `chain`) or
 * PKCS#12 (`pkcs12` base64 + `password`).
 */
export const CertificateImportBody = Type.Object(
  {
    certificate: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_CERTIFICATE_INPUT,
        description: 'PEM: the server certificate, optionally followed by its chain',
      }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_CERTIFICATE_INPUT,
        description: 'PEM private key (PKCS#8, PKCS#1 or SEC1), unencrypted',
      }),
    ),
    chain: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_CERTIFICATE_INPUT,
        description: 'PEM: intermediate CAs and the root',
      }),
    ),
    pkcs12: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_CERTIFICATE_INPUT,
        description: 'base64 PKCS#12 file holding the key, certificate and chain',
      }),
    ),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type CertificateImportBody = Static<typeof CertificateImportBody>;

/** `POST /sites/{code}/certificate/renew`. */
export const CertificateRenewBody = Type.Object(
  {
    siteCa: Type.Optional(
      Type.Boolean({ description: 'drop an imported certificate and serve a new one from the site CA' }),
    ),
  },
  { additionalProperties: false },
);
export type CertificateRenewBody = Static<typeof CertificateRenewBody>;

/** What an import or renewal answers: the certificate served from now on. */
export const CertificateChange = Type.Object({ certificate: CertificateView, previousSerial: Type.String() });
export type CertificateChange = Static<typeof CertificateChange>;

/** The rules of an import its schema cannot state: PEM certificate + key, or PKCS#12, never both; a password only with PKCS#12. */
export function checkCertificateImport(body: CertificateImportBody): CertificateImportBody {
  const pemGiven = body.certificate !== undefined || body.key !== undefined || body.chain !== undefined;
  if (body.pkcs12 !== undefined && pemGiven) {
    throw new SiteportError('E_VALIDATION', 'give either certificate and key (PEM) or pkcs12, not both');
  }
  if (body.pkcs12 === undefined && (body.certificate === undefined || body.key === undefined)) {
    throw new SiteportError(
      'E_VALIDATION',
      'give certificate and key (PEM, with chain when the certificate file lacks it), or pkcs12 with its password',
    );
  }
  if (body.pkcs12 === undefined && body.password !== undefined) {
    throw new SiteportError('E_VALIDATION', 'password goes with pkcs12 only; PEM keys are imported unencrypted', {
      details: { field: 'password' },
    });
  }
  return body;
}
