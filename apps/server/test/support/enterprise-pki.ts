import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const DAY = 24 * 60 * 60 * 1000;
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

function pem(label: string, der: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END ${label}-----\n`;
}

/** A certificate and its key, as PEM. */
export interface Issued {
  cert: string;
  key: string;
  serial: string;
}

/** An enterprise CA of a test: a self-signed RSA root that issues server certificates (the PKI siteport imports from). */
export interface EnterpriseCa {
  root: Issued;
  issue(options: { names: string[]; notBefore?: Date; notAfter?: Date; serverAuth?: boolean }): Promise<Issued>;
}

let counter = 1;
function serial(): string {
  counter += 1;
  return `${Date.now().toString(16)}${counter.toString(16).padStart(4, '0')}`;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
}

/** Makes an enterprise root CA named `name`. */
export async function enterpriseCa(name = 'Example Corp Test Root'): Promise<EnterpriseCa> {
  const rootKeys = await keyPair();
  const rootSerial = serial();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: rootSerial,
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    signingAlgorithm: RSA,
    keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const rootIssued: Issued = { cert: root.toString('pem') + '\n', key: await keyPem(rootKeys), serial: rootSerial };
  return {
    root: rootIssued,
    async issue(options) {
      const keys = await keyPair();
      const leafSerial = serial();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: leafSerial,
        subject: `CN=${options.names[0] ?? 'server'}`,
        issuer: root.subject,
        notBefore: options.notBefore ?? new Date(Date.now() - DAY),
        notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
        signingAlgorithm: RSA,
        publicKey: keys.publicKey,
        signingKey: rootKeys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([
            options.serverAuth === false ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth,
          ]),
          new x509.SubjectAlternativeNameExtension(
            options.names.map((n) =>
              isIP(n) !== 0 ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n },
            ),
          ),
        ],
      });
      return { cert: cert.toString('pem') + '\n', key: await keyPem(keys), serial: leafSerial };
    },
  };
}

/** A PKCS#12 file (as an administrator exports one: AES-256, SHA-256 MAC) holding `leaf`, its key and `chain`. */
export function pkcs12Of(leaf: Issued, chain: string[], password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(leaf.key),
    [leaf.cert, ...chain].map((c) => forge.pki.certificateFromPem(c)),
    password,
    { algorithm: 'aes256' },
  );
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
