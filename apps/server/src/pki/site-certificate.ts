import { createPrivateKey, sign } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { type CaResponse, trustBundleBytes } from '@siteport/protocol';
import { ServedCertificate } from './served-certificate.js';
import { type SiteCa, issueLocally, pkiDir, siteCertificateNames } from './site-pki.js';

/**
 * The site server's served certificate (decision 0101): issued from the site CA it holds into
 * `pki/site.pem`, renewed on the timer; an imported one in `pki/imported.pem` (key
 * `pki/imported-key.pem`, mode 0600) is served instead while it is there.
 */
export async function openSiteCertificate(input: {
  dataDir: string;
  siteCode: string;
  ca: SiteCa;
  /** `--public-host` and `--admin-allow-host` names: the site certificate names them. */
  publicHosts: readonly string[];
  /** Names clients use to reach this MP: an imported certificate must name them. */
  clientNames: readonly string[];
  lifetimeMs: number;
  checkMs: number;
  logger: Logger;
}): Promise<ServedCertificate> {
  const dir = await pkiDir(input.dataDir);
  const names = siteCertificateNames(input.publicHosts);
  return ServedCertificate.open({
    caCertificate: input.ca.certificate,
    names,
    clientNames: input.clientNames,
    issue: () => issueLocally(input.siteCode, names, input.ca, input.lifetimeMs),
    files: { cert: path.join(dir, 'site.pem'), key: path.join(dir, 'site-key.pem') },
    imported: { cert: path.join(dir, 'imported.pem'), key: path.join(dir, 'imported-key.pem') },
    checkMs: input.checkMs,
    logger: input.logger,
  });
}

/**
 * The trust anchors `GET /mp/v1/ca` names for agents, signed with the site CA key, while an
 * imported certificate is served; undefined otherwise. Cached per set of anchors.
 */
export function trustBundle(served: ServedCertificate, siteCode: string, ca: SiteCa): () => CaResponse['trust'] {
  const key = createPrivateKey(ca.privateKey);
  let cached: { certificates: string; trust: NonNullable<CaResponse['trust']> } | undefined;
  return () => {
    const certificates = served.trustAnchors().join('');
    if (certificates === '') return undefined;
    if (cached?.certificates !== certificates) {
      const signature = sign('sha256', Buffer.from(trustBundleBytes(siteCode, certificates)), key).toString('base64');
      cached = { certificates, trust: { certificates, signature } };
    }
    return cached.trust;
  };
}
