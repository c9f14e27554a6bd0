import 'reflect-metadata';
import { X509Certificate as NodeX509, createHash, webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '@siteport/fs-atomic';
import { readFileIfExists } from '../fs/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
/** Lifetime of a management point certificate the site CA issues. @default 397 days */
const MP_CERT_LIFETIME_MS = 397 * DAY_MS;

/** The site's TLS material: the CA clients pin and the certificate the MP serves. */
export interface SitePki {
  caCertificate: string;
  caFingerprint: string;
  /** The site CA's private key (PEM): the site server signs answers and MP certificates with it (decisions 0092, 0101). */
  caPrivateKey: string;
  certificate: string;
  privateKey: string;
}

/** The site CA only (what `<data>/pki/ca.pem` and `ca-key.pem` hold). */
export interface SiteCa {
  certificate: string;
  fingerprint: string;
  privateKey: string;
}

function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const body = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der))
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function derOf(pemText: string): Buffer {
  return Buffer.from(pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** SHA-256 of a certificate's DER bytes, lower-case hex: what clients compare at pinning. */
export function certificateFingerprint(certificatePem: string): string {
  return createHash('sha256').update(derOf(certificatePem)).digest('hex');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

/** Host names and addresses the site certificate names: loopback, this host, and configured ones. */
export function siteCertificateNames(publicHosts: readonly string[]): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', os.hostname(), ...publicHosts])];
}

async function createCa(siteCode: string): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=siteport site ${siteCode} CA`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: `${cert.toString('pem').trim()}\n`, key: pem('PRIVATE KEY', key) };
}

/**
 * Issues a management point certificate from the site CA for `publicKey`: a leaf (no CA), server
 * authentication only, naming exactly `names`. The subject and extensions are the site's, never a
 * requester's, so a request cannot obtain a CA or a client certificate. Backdated by at most an
 * hour (clock skew), so that a third of its lifetime is a third of what was asked for.
 */
export async function issueMpCertificate(input: {
  siteCode: string;
  names: readonly string[];
  publicKey: webcrypto.CryptoKey;
  ca: SiteCa;
  lifetimeMs: number;
}): Promise<string> {
  const caKey = await webcrypto.subtle.importKey('pkcs8', derOf(input.ca.privateKey), ALGORITHM, false, ['sign']);
  const ca = new x509.X509Certificate(input.ca.certificate);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=siteport site ${input.siteCode} management point`,
    issuer: ca.subject,
    notBefore: new Date(now - Math.min(HOUR_MS, input.lifetimeMs)),
    notAfter: new Date(now + input.lifetimeMs),
    signingAlgorithm: ALGORITHM,
    publicKey: input.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        input.names.map((name) =>
          isIP(name) !== 0 ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name },
        ),
      ),
    ],
  });
  return `${cert.toString('pem').trim()}\n`;
}

/** A new P-256 key pair for an MP certificate; the private key as PKCS#8 PEM. */
export async function newMpKey(): Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  return { keys, keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** Issues a certificate and key for this process from the site CA it holds (the site server). */
export async function issueLocally(
  siteCode: string,
  names: readonly string[],
  ca: SiteCa,
  lifetimeMs: number,
): Promise<{ cert: string; key: string }> {
  const { keys, keyPem } = await newMpKey();
  return {
    cert: await issueMpCertificate({ siteCode, names, publicKey: keys.publicKey, ca, lifetimeMs }),
    key: keyPem,
  };
}

/**
 * Why a certificate the site CA issued must be renewed now, or undefined: less than a third of its
 * lifetime left, or a name this MP serves is missing.
 */
export function renewalReason(
  certPem: string,
  names: readonly string[],
  now = Date.now(),
): 'expiring' | 'names' | undefined {
  const cert = new NodeX509(certPem);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (to - now < (to - from) / 3) return 'expiring';
  return names.some((name) => (isIP(name) === 0 ? cert.checkHost(name) : cert.checkIP(name)) === undefined)
    ? 'names'
    : undefined;
}

/** The files of `<dataDir>/pki` (the directory is created mode 0700). */
export async function pkiDir(dataDir: string): Promise<string> {
  const dir = path.join(dataDir, 'pki');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Loads the site CA from `<dataDir>/pki`, creating it on the first start of the site server. */
export async function loadSiteCa(dataDir: string, siteCode: string): Promise<SiteCa> {
  const dir = await pkiDir(dataDir);
  const files = { ca: path.join(dir, 'ca.pem'), caKey: path.join(dir, 'ca-key.pem') };
  let caPem = await readFileIfExists(files.ca);
  let caKeyPem = await readFileIfExists(files.caKey);
  if (caPem === undefined || caKeyPem === undefined) {
    const created = await createCa(siteCode);
    await writeFileAtomic(files.caKey, created.key, 0o600);
    await writeFileAtomic(files.ca, created.cert);
    caPem = created.cert;
    caKeyPem = created.key;
  }
  return { certificate: caPem, fingerprint: certificateFingerprint(caPem), privateKey: caKeyPem };
}

/** Where a certificate and its private key are kept. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * The certificate and key in `files` while they are valid for `names` with more than a third of
 * their lifetime left; else a new pair from `issue`, written first (key mode 0600).
 */
export async function storedOrIssued(
  files: CertificateFiles,
  names: readonly string[],
  issue: () => Promise<{ cert: string; key: string }>,
): Promise<{ cert: string; key: string; issued: boolean }> {
  const cert = await readFileIfExists(files.cert);
  const key = await readFileIfExists(files.key);
  if (cert !== undefined && key !== undefined && renewalReason(cert, names) === undefined)
    return { cert, key, issued: false };
  const fresh = await issue();
  await writeCertificate(files, fresh);
  return { ...fresh, issued: true };
}

/** Writes a certificate and its key (key first, mode 0600), each atomically. */
export async function writeCertificate(files: CertificateFiles, pair: { cert: string; key: string }): Promise<void> {
  await writeFileAtomic(files.key, pair.key, 0o600);
  await writeFileAtomic(files.cert, pair.cert);
}

/** The site CA and this site server's MP certificate (issued from the CA when missing or due), without a renewal timer. */
export async function loadSitePki(dataDir: string, siteCode: string, publicHosts: readonly string[]): Promise<SitePki> {
  const ca = await loadSiteCa(dataDir, siteCode);
  const dir = await pkiDir(dataDir);
  const names = siteCertificateNames(publicHosts);
  const { cert, key } = await storedOrIssued(
    { cert: path.join(dir, 'site.pem'), key: path.join(dir, 'site-key.pem') },
    names,
    () => issueLocally(siteCode, names, ca, MP_CERT_LIFETIME_MS),
  );
  return {
    caCertificate: ca.certificate,
    caFingerprint: ca.fingerprint,
    caPrivateKey: ca.privateKey,
    certificate: cert,
    privateKey: key,
  };
}
