import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { SiteportError } from '@siteport/protocol';

/** What a PKCS#12 file holds, as PEM: the key, the certificate that matches it first, then the rest. */
export interface Pkcs12Contents {
  certificate: string;
  key: string;
  chain: string;
}

function invalid(message: string, cause?: unknown): SiteportError {
  return new SiteportError('E_CERTIFICATE_INVALID', message, cause === undefined ? {} : { cause });
}

/**
 * Reads a PKCS#12 (.p12/.pfx) file with its password (node-forge: Node has no PKCS#12 reader). The
 * MAC is checked with the password, so a wrong password is told apart from a damaged file. Only
 * one private key is taken; the certificate whose public key matches it goes first.
 */
export function readPkcs12(base64: string, password: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.decode64(base64.replace(/\s+/g, '')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, true, password);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalid(
      /mac could not be verified|invalid password/i.test(message)
        ? 'the PKCS#12 password is wrong (its integrity check failed); give the password the file was exported with'
        : `the file is not a PKCS#12 file siteport can read (${message.slice(0, 200)}); export it again, or give PEM files with --cert, --key and --chain`,
      error,
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  if (keyBags.length !== 1)
    throw invalid(
      `the PKCS#12 file holds ${keyBags.length} private keys, not one; export the server certificate's key alone`,
    );
  const key = createPrivateKey(pem('PRIVATE KEY', keyDer(keyBags[0]!)));
  // forge reads RSA certificates itself; others (EC) stay as ASN.1, which Node reads.
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? []).map((bag) =>
    bag.cert !== undefined && bag.cert !== null
      ? forge.pki.certificateToPem(bag.cert)
      : pem('CERTIFICATE', certificateDer(bag)),
  );
  const leaf = certs.find((c) => new X509Certificate(c).checkPrivateKey(key));
  if (leaf === undefined) throw invalid('the PKCS#12 file holds no certificate for its private key');
  return {
    key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: leaf,
    chain: certs.filter((c) => c !== leaf).join(''),
  };
}

function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END ${label}-----\n`;
}

function keyDer(bag: forge.pkcs12.Bag): Buffer {
  if (bag.key !== undefined && bag.key !== null)
    return Buffer.from(
      forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))).getBytes(),
      'binary',
    );
  // Not RSA: forge leaves the decrypted PrivateKeyInfo as ASN.1.
  const asn1 = (bag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (asn1 === undefined) throw invalid('the private key in the PKCS#12 file cannot be read');
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

function certificateDer(bag: forge.pkcs12.Bag): Buffer {
  // A certificate forge cannot read (EC) is kept as its own ASN.1.
  const asn1 = (bag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (asn1 === undefined) throw invalid('a certificate in the PKCS#12 file cannot be read');
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
