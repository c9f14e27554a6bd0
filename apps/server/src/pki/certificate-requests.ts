import 'reflect-metadata';
import { randomUUID, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import type { Logger } from 'pino';
import { SiteportError } from '@siteport/protocol';
import type { EventBridge } from '../bridge/index.js';
import { ALGORITHM, type SiteCa, issueMpCertificate, newMpKey } from './site-pki.js';

/** How long an MP process waits for the site server to sign its certificate request. */
const CERTIFICATE_REQUEST_TIMEOUT_MS = 15_000;
/** Most names one request may ask for, and the largest CSR the site server reads. */
const MAX_NAMES = 16;
const MAX_CSR = 8192;
/** Most requests the site server signs at once; more are refused (they are rare: one per MP start and renewal). */
const MAX_IN_FLIGHT = 8;
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * An MP process's side (decision 0101): makes a new P-256 key pair, sends a certificate request
 * (CSR, signed with the new key) for `names` to the site server over the site's event bridge — the
 * shared PostgreSQL database, which only holders of its credentials reach — and returns the
 * certificate the site CA issued with the key. The private key never leaves this process.
 */
export async function requestCertificate(
  bridge: EventBridge,
  names: readonly string[],
): Promise<{ cert: string; key: string; caCertificate: string }> {
  const { keys, keyPem } = await newMpKey();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=siteport management point',
    keys,
    signingAlgorithm: ALGORITHM,
  });
  const requestId = randomUUID();
  let unsubscribe: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const answer = new Promise<{ certificate: string; caCertificate: string }>((resolve, reject) => {
    unsubscribe = bridge.subscribe(({ event }) => {
      if (event.kind !== 'certificate-issued' || event.requestId !== requestId || event.to !== bridge.origin) return;
      if (event.certificate === null || event.caCertificate === null) {
        reject(
          new SiteportError(
            'E_CERTIFICATE_REQUEST',
            `the site server refused this MP's certificate request: ${event.error?.message ?? 'no reason given'}`,
          ),
        );
      } else resolve({ certificate: event.certificate, caCertificate: event.caCertificate });
    });
    timer = setTimeout(
      () =>
        reject(
          new SiteportError(
            'E_CERTIFICATE_REQUEST',
            `the site server did not sign this MP's certificate request within ${CERTIFICATE_REQUEST_TIMEOUT_MS / 1000} s; start the site server (siteport server --db … without --role mp) first: it alone holds the site CA key and issues MP certificates`,
          ),
        ),
      CERTIFICATE_REQUEST_TIMEOUT_MS,
    );
  });
  try {
    await bridge.publish({ kind: 'certificate-request', requestId, csr: csr.toString('pem'), names: [...names] });
    const { certificate, caCertificate } = await answer;
    return { cert: certificate, key: keyPem, caCertificate };
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

/** Why the site server refuses to sign a request, or undefined. */
function namesProblem(names: unknown): string | undefined {
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_NAMES)
    return `a request names 1 to ${MAX_NAMES} host names`;
  const bad: unknown = (names as unknown[]).find((n) => typeof n !== 'string' || (isIP(n) === 0 && !DNS_NAME.test(n)));
  return bad === undefined
    ? undefined
    : `${JSON.stringify(bad).slice(0, 80)} is not a host name or IP address (wildcards are not issued)`;
}

/** Checks a CSR's own signature (proof that the requester holds the key) and returns its P-256 public key. */
async function requestedKey(csrPem: unknown): Promise<webcrypto.CryptoKey> {
  if (typeof csrPem !== 'string' || csrPem.length > MAX_CSR)
    throw new SiteportError(
      'E_CERTIFICATE_REQUEST',
      `the certificate request is not a PEM CSR of at most ${MAX_CSR} characters`,
    );
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new SiteportError('E_CERTIFICATE_REQUEST', 'the certificate request cannot be read', { cause: error });
  }
  if (!(await csr.verify().catch(() => false)))
    throw new SiteportError('E_CERTIFICATE_REQUEST', 'the certificate request is not signed by the key it names');
  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256')
    throw new SiteportError('E_CERTIFICATE_REQUEST', 'the certificate request must be for an ECDSA P-256 key');
  return webcrypto.subtle.importKey('spki', csr.publicKey.rawData, ALGORITHM, true, ['verify']);
}

/**
 * The site server's side (decision 0101): signs MP processes' certificate requests with the site
 * CA, whose private key stays in this process. The certificate is always a leaf for server
 * authentication naming only valid host names: whatever else a request asks for is not issued.
 * Refusals are answered with their reason and logged. Returns the unsubscribe function.
 */
export function answerCertificateRequests(
  bridge: EventBridge,
  deps: { siteCode: string; ca: SiteCa; lifetimeMs: number; logger: Logger },
): () => void {
  let inFlight = 0;
  return bridge.subscribe(({ origin, event }) => {
    if (event.kind !== 'certificate-request') return;
    const answer = (certificate: string | null, error: SiteportError | null): void =>
      void bridge
        .publish({
          kind: 'certificate-issued',
          requestId: event.requestId,
          to: origin,
          certificate,
          caCertificate: certificate === null ? null : deps.ca.certificate,
          error: error === null ? null : { code: error.code, message: error.message },
        })
        .catch((e: unknown) => deps.logger.error({ err: e }, 'cannot answer a certificate request'));
    if (inFlight >= MAX_IN_FLIGHT) {
      answer(
        null,
        new SiteportError('E_CERTIFICATE_REQUEST', 'the site server is signing other certificate requests; try again'),
      );
      return;
    }
    inFlight += 1;
    const sign = async (): Promise<string> => {
      const problem = namesProblem(event.names);
      if (problem !== undefined) throw new SiteportError('E_CERTIFICATE_REQUEST', problem);
      const publicKey = await requestedKey(event.csr);
      return issueMpCertificate({
        siteCode: deps.siteCode,
        names: event.names,
        publicKey,
        ca: deps.ca,
        lifetimeMs: deps.lifetimeMs,
      });
    };
    sign()
      .then(
        (certificate) => {
          deps.logger.info({ origin, names: event.names }, 'issued a management point certificate for an MP process');
          answer(certificate, null);
        },
        (error: unknown) => {
          const refused =
            error instanceof SiteportError
              ? error
              : new SiteportError('E_CERTIFICATE_REQUEST', 'the certificate request cannot be signed', {
                  cause: error,
                });
          deps.logger.warn({ origin, err: refused.message }, 'refused a certificate request');
          answer(null, refused);
        },
      )
      .finally(() => {
        inFlight -= 1;
      });
  });
}
