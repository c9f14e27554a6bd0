import 'reflect-metadata';
import { type KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { SiteportError } from '@siteport/protocol';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_CHAIN = 8;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** A certificate, key and chain that passed every check: what the MP will serve. */
export interface ValidatedImport {
  /** PEM: the server certificate followed by its issuers up to the root (what the listeners send). */
  chainPem: string;
  /** PEM PKCS#8: the server certificate's private key. */
  keyPem: string;
  /** PEM of the chain's self-signed root: the trust anchor agents add beside the site CA. */
  rootPem: string;
  warnings: string[];
}

/** The names an imported certificate is checked against. */
export interface ServedNames {
  /** Names clients use to reach this MP (policy announces them): each must be in the certificate. */
  required: readonly string[];
  /** Names the site certificate also carries (loopback, this host): a missing one is a warning. */
  optional: readonly string[];
}

function invalid(message: string): SiteportError {
  return new SiteportError('E_CERTIFICATE_INVALID', message);
}

/** Every certificate in a PEM text, in order. */
export function pemCertificates(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

function parseCertificate(pemText: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pemText);
  } catch (error) {
    throw new SiteportError(
      'E_CERTIFICATE_INVALID',
      `${what} is not a readable X.509 certificate; give PEM (-----BEGIN CERTIFICATE-----)`,
      { cause: error },
    );
  }
}

function parseKey(keyPem: string): KeyObject {
  try {
    return createPrivateKey(keyPem);
  } catch (error) {
    const encrypted = (error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE' || /ENCRYPTED/.test(keyPem);
    throw new SiteportError(
      'E_CERTIFICATE_INVALID',
      encrypted
        ? 'the private key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain-key.pem, then import and delete plain-key.pem), or import the PKCS#12 file with --pkcs12 and --password-file'
        : 'the private key is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1)',
      { cause: error },
    );
  }
}

function selfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function keyStrength(key: KeyObject): void {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw invalid('the RSA key is shorter than 2048 bits; get a certificate with a key of 2048 bits or more');
  if (type !== 'rsa' && type !== 'ec' && type !== 'ed25519')
    throw invalid(
      `a ${String(type)} key cannot serve TLS to siteport agents; use an RSA (2048 bits or more) or EC key`,
    );
}

/** Key usage and extended key usage must allow a TLS server (when the certificate restricts them at all). */
function usageForServer(cert: X509Certificate, key: KeyObject): void {
  const parsed = new x509.X509Certificate(cert.raw);
  const usage = parsed.getExtension(x509.KeyUsagesExtension);
  if (usage !== null) {
    const allowed =
      x509.KeyUsageFlags.digitalSignature | (key.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0);
    if ((usage.usages & allowed) === 0)
      throw invalid(
        "the certificate's key usage does not allow a TLS server (digitalSignature, or keyEncipherment for RSA); ask your CA for a server certificate",
      );
  }
  const extended = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  if (extended !== null && !extended.usages.some((u) => u === SERVER_AUTH || u === ANY_EXTENDED_KEY_USAGE)) {
    throw invalid(
      "the certificate's extended key usage lacks serverAuth (TLS Web Server Authentication); ask your CA for a server certificate",
    );
  }
  if (cert.ca)
    throw invalid(
      'the first certificate is a CA certificate; put the server certificate first and its issuers after it',
    );
}

function names(cert: X509Certificate, wanted: readonly string[]): string[] {
  return wanted.filter(
    (name) => (isIP(name) === 0 ? cert.checkHost(name, { wildcards: true }) : cert.checkIP(name)) === undefined,
  );
}

function validity(cert: X509Certificate, what: string, now: number): void {
  if (Date.parse(cert.validFrom) > now)
    throw invalid(
      `${what} is not valid before ${new Date(cert.validFrom).toISOString()}; check this server's clock or wait until then`,
    );
  if (Date.parse(cert.validTo) <= now)
    throw invalid(`${what} expired on ${new Date(cert.validTo).toISOString()}; get a renewed certificate from your CA`);
}

/** Orders the pool into a path from the server certificate to a self-signed root, checking each signature. */
function chainOf(leaf: X509Certificate, pool: X509Certificate[], now: number): X509Certificate[] {
  const chain = [leaf];
  let current = leaf;
  while (!selfSigned(current)) {
    if (chain.length > MAX_CHAIN) throw invalid(`the chain is longer than ${MAX_CHAIN} certificates`);
    const issuer = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (issuer === undefined) {
      throw invalid(
        `the chain does not reach a root: no certificate given signed "${current.subject.replace(/\n/g, ', ')}" (issuer "${current.issuer.replace(/\n/g, ', ')}"); add the issuing CA and the root to the chain (--chain, or the PKCS#12 file)`,
      );
    }
    if (!issuer.ca)
      throw invalid(`"${issuer.subject.replace(/\n/g, ', ')}" signed the chain but is not a CA certificate`);
    validity(issuer, `the CA certificate "${issuer.subject.replace(/\n/g, ', ')}"`, now);
    chain.push(issuer);
    current = issuer;
  }
  if (chain.length === 1)
    throw invalid(
      'the certificate is self-signed; import a certificate issued by your CA, with the chain up to its root, or keep the site CA (siteport cert renew --site-ca)',
    );
  return chain;
}

/**
 * Checks a certificate, key and chain before an MP serves them (decision 0101): the key matches
 * the certificate, the certificate is valid now and allows a TLS server, the chain reaches a
 * self-signed root (the anchor agents will trust) with valid signatures, and every name clients use
 * is in it. Throws E_CERTIFICATE_INVALID saying what to do; changes nothing.
 */
export function validateImport(
  input: { certificate: string; key: string; chain?: string | undefined },
  served: ServedNames,
  now = Date.now(),
): ValidatedImport {
  const given = pemCertificates(input.certificate);
  const first = given[0];
  if (first === undefined)
    throw invalid(
      'the certificate is not PEM: give a file with -----BEGIN CERTIFICATE----- (convert DER with openssl x509 -inform der)',
    );
  const leaf = parseCertificate(first, 'the certificate');
  const pool = [...given.slice(1), ...pemCertificates(input.chain ?? '')].map((p, i) =>
    parseCertificate(p, `chain certificate ${i + 1}`),
  );
  const key = parseKey(input.key);
  keyStrength(key);
  if (!leaf.checkPrivateKey(key))
    throw invalid('the private key does not belong to the certificate; give the key the certificate was issued for');
  validity(leaf, 'the certificate', now);
  usageForServer(leaf, key);
  const missing = names(leaf, served.required);
  if (missing.length > 0) {
    throw invalid(
      `the certificate does not name ${missing.join(', ')}, which clients use to reach this management point; get a certificate whose subject alternative names include ${missing.length === 1 ? 'it' : 'them'}, or change --public-host to a name the certificate has`,
    );
  }
  const chain = chainOf(leaf, pool, now);
  const warnings: string[] = [];
  const absent = names(leaf, served.optional);
  if (absent.length > 0)
    warnings.push(
      `the certificate does not name ${absent.join(', ')}: clients that reach this management point by ${absent.length === 1 ? 'that name' : 'those names'} will refuse it`,
    );
  const left = Date.parse(leaf.validTo) - now;
  if (left < 30 * DAY_MS)
    warnings.push(
      `the certificate expires in ${Math.max(0, Math.floor(left / DAY_MS))} days (${new Date(leaf.validTo).toISOString()}); import its successor before then`,
    );
  return {
    chainPem: chain.map((c) => c.toString().trim()).join('\n') + '\n',
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    rootPem: `${chain[chain.length - 1]!.toString().trim()}\n`,
    warnings,
  };
}
