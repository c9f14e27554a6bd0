import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  type AgentPackageSignature,
  MAX_AGENT_PACKAGE_BYTES,
  SiteportError,
  agentPackageSigningString,
  isAgentPackageSignature,
} from '@siteport/protocol';

/** SHA-256 (hex) of a public key's DER (SPKI): what an agent pins at setup. */
export function releaseKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Signs a built agent bundle with the release-signing key (Ed25519, PKCS#8 PEM): the signature
 * file's JSON (`siteport upgrade sign`). The key never needs to be on the site server.
 */
export function signAgentPackage(data: Buffer, version: string, privateKeyPem: string): AgentPackageSignature {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SiteportError('E_UPGRADE_PACKAGE', 'the release-signing key must be an Ed25519 private key');
  const signed = {
    format: 1 as const,
    version,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
    keyId: releaseKeyFingerprint(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()).slice(0, 16),
  };
  const result = {
    ...signed,
    signature: sign(null, Buffer.from(agentPackageSigningString(signed)), key).toString('base64'),
  };
  if (!isAgentPackageSignature(result))
    throw new SiteportError(
      'E_UPGRADE_PACKAGE',
      `${JSON.stringify(version)} is not a release version (MAJOR.MINOR.PATCH[-prerelease])`,
    );
  return result;
}

/**
 * What the site checks before it stores a package an administrator registers: the signature file's
 * form and version string, the signer (the site's release public key), the Ed25519 signature, and
 * the package's length and SHA-256. Throws E_UPGRADE_TOO_LARGE or E_UPGRADE_PACKAGE.
 */
export function checkAgentPackage(data: Buffer, signature: unknown, releaseKeyPem: string): AgentPackageSignature {
  if (data.length > MAX_AGENT_PACKAGE_BYTES)
    throw new SiteportError(
      'E_UPGRADE_TOO_LARGE',
      `the package is ${data.length} bytes; at most ${MAX_AGENT_PACKAGE_BYTES} are accepted`,
    );
  if (!isAgentPackageSignature(signature))
    throw new SiteportError(
      'E_UPGRADE_PACKAGE',
      'the signature file is malformed or its version is not MAJOR.MINOR.PATCH[-prerelease]',
    );
  const keyId = releaseKeyFingerprint(releaseKeyPem).slice(0, 16);
  if (signature.keyId !== keyId)
    throw new SiteportError(
      'E_UPGRADE_PACKAGE',
      `the package is signed by key ${signature.keyId}, not by the site's release key ${keyId}`,
    );
  const { signature: value, ...signed } = signature;
  if (
    !verify(
      null,
      Buffer.from(agentPackageSigningString(signed)),
      createPublicKey(releaseKeyPem),
      Buffer.from(value, 'base64'),
    )
  )
    throw new SiteportError('E_UPGRADE_PACKAGE', "the package signature does not verify with the site's release key");
  if (data.length !== signature.bytes || createHash('sha256').update(data).digest('hex') !== signature.sha256)
    throw new SiteportError('E_UPGRADE_PACKAGE', 'the package bytes are not the ones that were signed');
  return signature;
}
