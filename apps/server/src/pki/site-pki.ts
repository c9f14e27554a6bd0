import 'reflect-metadata';
import { X509Certificate as NodeX509, createHash, webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { SiteportError } from '@siteport/protocol';
import { writeFileAtomic, readFileIfExists } from '../fs/atomic-file.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
const SITE_CERT_LIFETIME_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;

/** The site's TLS material: the CA clients pin and the certificate the MP serves. */
export interface SitePki {
  caCertificate: string;
  caFingerprint: string;
  /** The site CA's private key (PEM): management points sign answers with it (decision 0092). */
  caPrivateKey: string;
  certificate: string;
  privateKey: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
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
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
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

async function issueSiteCertificate(
  siteCode: string,
  names: readonly string[],
  caPem: string,
  caKeyPem: string,
): Promise<{ cert: string; key: string }> {
  const caKey = await webcrypto.subtle.importKey('pkcs8', derOf(caKeyPem), ALGORITHM, false, ['sign']);
  const ca = new x509.X509Certificate(caPem);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=siteport site ${siteCode} management point`,
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + SITE_CERT_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) !== 0 ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name })),
      ),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: `${cert.toString('pem').trim()}\n`, key: pem('PRIVATE KEY', key) };
}

function needsRenewal(certPem: string, names: readonly string[]): boolean {
  const cert = new NodeX509(certPem);
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return true;
  return names.some((name) => (isIP(name) === 0 ? cert.checkHost(name) : cert.checkIP(name)) === undefined);
}

/**
 * Loads the site CA and the MP certificate from `<dataDir>/pki`, creating the CA on first start
 * and (re)issuing the site certificate when it is missing, expiring, or lacks a configured name.
 */
export async function loadSitePki(dataDir: string, siteCode: string, publicHosts: readonly string[]): Promise<SitePki> {
  const dir = path.join(dataDir, 'pki');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    ca: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'site.pem'),
    key: path.join(dir, 'site-key.pem'),
  };
  let caPem = await readFileIfExists(files.ca);
  let caKeyPem = await readFileIfExists(files.caKey);
  if (caPem === undefined || caKeyPem === undefined) {
    const created = await createCa(siteCode);
    await writeFileAtomic(files.caKey, created.key, 0o600);
    await writeFileAtomic(files.ca, created.cert);
    caPem = created.cert;
    caKeyPem = created.key;
  }
  return withCertificate(siteCode, { cert: files.cert, key: files.key }, siteCertificateNames(publicHosts), caPem, caKeyPem);
}

/** Keeps the MP certificate in `files` valid for `names`, (re)issuing it from the site CA when needed. */
async function withCertificate(
  siteCode: string,
  files: { cert: string; key: string },
  names: readonly string[],
  caPem: string,
  caKeyPem: string,
): Promise<SitePki> {
  let certPem = await readFileIfExists(files.cert);
  let keyPem = await readFileIfExists(files.key);
  if (certPem === undefined || keyPem === undefined || needsRenewal(certPem, names)) {
    const issued = await issueSiteCertificate(siteCode, names, caPem, caKeyPem);
    await writeFileAtomic(files.key, issued.key, 0o600);
    await writeFileAtomic(files.cert, issued.cert);
    certPem = issued.cert;
    keyPem = issued.key;
  }
  return { caCertificate: caPem, caFingerprint: certificateFingerprint(caPem), caPrivateKey: caKeyPem, certificate: certPem, privateKey: keyPem };
}

/**
 * The TLS material of an additional MP process (`siteport server --role mp`): the site CA from
 * `<dataDir>/pki` (written by the site server; the same dir on the same machine, or a copy), and a
 * certificate of its own for the names clients use for it, in `pki/mp-<host>.pem`, issued from the
 * site CA so that clients that pinned it trust this MP too. Refuses with E_OPTION when the CA is missing.
 */
export async function loadMpPki(dataDir: string, siteCode: string, hosts: readonly string[]): Promise<SitePki> {
  const dir = path.join(dataDir, 'pki');
  const caPem = await readFileIfExists(path.join(dir, 'ca.pem'));
  const caKeyPem = await readFileIfExists(path.join(dir, 'ca-key.pem'));
  if (caPem === undefined || caKeyPem === undefined) {
    throw new SiteportError(
      'E_OPTION',
      `no site CA in ${dir}: an MP process needs the site's pki/ca.pem and pki/ca-key.pem, which the site server writes at its first start; give --data the site server's data dir on the same machine, or a copy of its pki/ directory (mode 0700)`,
    );
  }
  const name = (hosts[0] ?? os.hostname()).replace(/[^A-Za-z0-9.-]/g, '_');
  return withCertificate(siteCode, { cert: path.join(dir, `mp-${name}.pem`), key: path.join(dir, `mp-${name}-key.pem`) }, siteCertificateNames(hosts), caPem, caKeyPem);
}
