import { X509Certificate, verify } from 'node:crypto';
import { type CaResponse, SiteportError, trustBundleBytes } from '@siteport/protocol';
import { type MpClient, caFingerprint } from './mp-client.js';

/**
 * Fetches the site CA to pin it (trust on first use, TLS unverified for this one request) and checks
 * it against the fingerprint given at setup (SMSCAFINGERPRINT), when there is one.
 */
export async function fetchSiteCa(client: MpClient, expectedFingerprint: string | null): Promise<CaResponse> {
  const ca = await client.fetchCa(true);
  if (expectedFingerprint !== null && ca.fingerprint.toLowerCase() !== expectedFingerprint) {
    throw new SiteportError(
      'E_CA_MISMATCH',
      `the site CA has fingerprint ${ca.fingerprint.toLowerCase()} but SMSCAFINGERPRINT is ${expectedFingerprint}; check that SMSMP names a management point of your site or rerun setup with the right SMSCAFINGERPRINT`,
    );
  }
  return ca;
}

/** Most further trust anchors an agent takes from its site. */
const MAX_ANCHORS = 8;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The further TLS trust anchors the site names in `GET /mp/v1/ca` while its MP serves an imported
 * certificate (decision 0101), once shown to be the site's: the answer names the pinned CA, and
 * its signature over the anchors verifies with the pinned CA's key. Each anchor must be a CA
 * certificate. Returns them as one PEM text, or undefined when the answer names none; throws
 * E_CA_MISMATCH when they are not the site's.
 */
export function siteTrustAnchors(ca: CaResponse, pinnedPem: string): string | undefined {
  if (ca.trust === undefined) return undefined;
  const pinned = new X509Certificate(pinnedPem);
  if (caFingerprint(pinnedPem) !== ca.fingerprint.toLowerCase()) {
    throw new SiteportError(
      'E_CA_MISMATCH',
      `the management point names CA ${ca.fingerprint.toLowerCase()}, not the pinned site CA; its trust anchors are ignored`,
    );
  }
  const signed = Buffer.from(trustBundleBytes(ca.siteCode, ca.trust.certificates));
  if (!verify('sha256', signed, pinned.publicKey, Buffer.from(ca.trust.signature, 'base64'))) {
    throw new SiteportError(
      'E_CA_MISMATCH',
      'the trust anchors the management point names are not signed by the pinned site CA; they are ignored (look for a proxy intercepting the connection)',
    );
  }
  const anchors = ca.trust.certificates.match(PEM_CERTIFICATE) ?? [];
  if (anchors.length === 0 || anchors.length > MAX_ANCHORS || anchors.some((pem) => !new X509Certificate(pem).ca)) {
    throw new SiteportError(
      'E_CA_MISMATCH',
      `the site names ${anchors.length} trust anchors, not 1 to ${MAX_ANCHORS} CA certificates; they are ignored`,
    );
  }
  return `${anchors.join('\n')}\n`;
}
