import { type CaResponse, SiteportError } from '@siteport/protocol';
import type { MpClient } from './mp-client.js';

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
