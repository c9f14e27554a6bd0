import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { SiteportError } from '@siteport/protocol';
import type { EventBridge } from '../bridge/index.js';
import { requestCertificate } from './certificate-requests.js';
import { readFileIfExists } from '../fs/index.js';
import { ServedCertificate } from './served-certificate.js';
import { certificateFingerprint, pkiDir, siteCertificateNames, writeCertificate } from './site-pki.js';

/**
 * The certificate of an additional MP process (`siteport server --role mp`, decision 0101): its
 * own key pair, made here, and a certificate the site server issues from the site CA for a
 * certificate request sent over the event bridge. The CA's private key is never read here: this
 * process's data dir needs none, only what it writes itself — `pki/mp-<host>.pem`, its key
 * (mode 0600) and `pki/ca.pem` as the site server sent it. Renewed the same way on the timer.
 */
export async function openMpCertificate(input: {
  dataDir: string;
  host: string;
  /** The names clients use for this MP (its host and `--public-host` names). */
  hosts: readonly string[];
  bridge: EventBridge;
  checkMs: number;
  logger: Logger;
}): Promise<{ served: ServedCertificate; caCertificate: string; caFingerprint: string }> {
  const dir = await pkiDir(input.dataDir);
  const name = input.host.replace(/[^A-Za-z0-9.-]/g, '_');
  const files = { cert: path.join(dir, `mp-${name}.pem`), key: path.join(dir, `mp-${name}-key.pem`) };
  const caFile = path.join(dir, 'ca.pem');
  const names = siteCertificateNames(input.hosts);
  const state: { ca: string | undefined } = { ca: await readFileIfExists(caFile) };
  const issue = async (): Promise<{ cert: string; key: string }> => {
    const issued = await requestCertificate(input.bridge, names);
    if (state.ca === undefined || certificateFingerprint(state.ca) !== certificateFingerprint(issued.caCertificate)) {
      await writeFileAtomic(caFile, issued.caCertificate);
      state.ca = issued.caCertificate;
    }
    return { cert: issued.cert, key: issued.key };
  };
  // Without the site CA certificate a stored certificate cannot be chained: ask for a new one.
  if (state.ca === undefined) await writeCertificate(files, await issue());
  const ca = state.ca;
  if (ca === undefined)
    throw new SiteportError('E_CERTIFICATE_REQUEST', 'the site server answered without its CA certificate');
  const served = await ServedCertificate.open({
    caCertificate: ca,
    names,
    clientNames: input.hosts,
    issue,
    files,
    checkMs: input.checkMs,
    logger: input.logger,
  });
  return { served, caCertificate: ca, caFingerprint: certificateFingerprint(ca) };
}
