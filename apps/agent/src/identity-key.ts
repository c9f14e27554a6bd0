import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** The client's Ed25519 identity: the private key signs requests, the public key is registered. */
export interface IdentityKey {
  privateKey: KeyObject;
  /** SPKI PEM of the public key, as sent in RegisterRequest. */
  publicKeyPem: string;
}

/** Generates a new Ed25519 key pair and returns the private key as PKCS8 PEM. */
export function generateIdentityKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Loads an identity from its PKCS8 PEM private key. */
export function loadIdentityKey(pem: string): IdentityKey {
  const privateKey = createPrivateKey(pem);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}
