import { createHash, createPublicKey, verify } from 'node:crypto';
import {
  type AgentPackageSignature,
  MAX_AGENT_PACKAGE_BYTES,
  SiteportError,
  agentPackageSigningString,
  compareAgentVersions,
  isAgentPackageSignature,
} from '@siteport/protocol';

/** Largest signature file read (a valid one is about 300 bytes). */
const MAX_SIGNATURE_BYTES = 4096;

/** What a downloaded package must match before a single byte of it is unpacked. */
export interface PackageExpectation {
  /** The pinned release public key (SPKI PEM), written at setup. */
  releaseKeyPem: string;
  /** The version the site offered. */
  version: string;
  /** The version this agent runs. */
  runningVersion: string;
  /** Whether the administrator asked for a downgrade (an older version than the running one). */
  allowDowngrade: boolean;
  /** Largest package accepted, in bytes. @default MAX_AGENT_PACKAGE_BYTES */
  maxBytes?: number;
}

/** SHA-256 (hex) of a public key's DER (SPKI): what SMSRELEASEKEY pins. */
export function releaseKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** First 16 hex digits of {@link releaseKeyFingerprint}: how a signature names its signer. */
export function releaseKeyId(publicKeyPem: string): string {
  return releaseKeyFingerprint(publicKeyPem).slice(0, 16);
}

function refuse(message: string): SiteportError {
  return new SiteportError('E_UPGRADE_PACKAGE', message);
}

/** Parses a signature file (bounded, checked against its schema). */
export function parsePackageSignature(text: string): AgentPackageSignature {
  if (text.length > MAX_SIGNATURE_BYTES) throw refuse('the package signature file is too long');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse('the package signature file is not JSON');
  }
  if (!isAgentPackageSignature(value)) throw refuse('the package signature file is malformed');
  return value;
}

/**
 * Checks a downloaded package against its signature file and the pinned release key: size, signer,
 * Ed25519 signature, SHA-256 and length of the bytes, offered version, and no downgrade unless the
 * administrator asked for one. Throws E_UPGRADE_TOO_LARGE, E_UPGRADE_PACKAGE or E_UPGRADE_DOWNGRADE.
 */
export function verifyPackage(data: Buffer, signatureText: string, expect: PackageExpectation): AgentPackageSignature {
  const max = expect.maxBytes ?? MAX_AGENT_PACKAGE_BYTES;
  if (data.length > max)
    throw new SiteportError(
      'E_UPGRADE_TOO_LARGE',
      `the agent package is ${data.length} bytes; at most ${max} are accepted`,
    );
  const sig = parsePackageSignature(signatureText);
  const keyId = releaseKeyId(expect.releaseKeyPem);
  if (sig.keyId !== keyId)
    throw refuse(`the package is signed by key ${sig.keyId}, not by the pinned release key ${keyId}`);
  const { signature, ...signed } = sig;
  const ok = verify(
    null,
    Buffer.from(agentPackageSigningString(signed)),
    createPublicKey(expect.releaseKeyPem),
    Buffer.from(signature, 'base64'),
  );
  if (!ok) throw refuse('the package signature does not verify with the pinned release key');
  if (data.length !== sig.bytes) throw refuse(`the package is ${data.length} bytes; its signature says ${sig.bytes}`);
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== sig.sha256) throw refuse('the package bytes do not match the SHA-256 its signature names');
  if (sig.version !== expect.version)
    throw refuse(`the package is version ${sig.version}; the site offered ${expect.version}`);
  if (!expect.allowDowngrade && compareAgentVersions(sig.version, expect.runningVersion) <= 0) {
    throw new SiteportError(
      'E_UPGRADE_DOWNGRADE',
      `version ${sig.version} is not newer than the running ${expect.runningVersion}, and no downgrade was asked for`,
    );
  }
  return sig;
}
