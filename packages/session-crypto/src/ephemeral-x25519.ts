import { type KeyObject, generateKeyPairSync } from 'node:crypto';

/**
 * A fresh X25519 key pair with its raw public key (base64url). The public key is read from its DER
 * encoding, never exported as JWK: on Node.js 20 a JWK export of a key `generateKeyPairSync` has just
 * made holds the key's lock while it allocates, and a garbage collection then finalizes the key's
 * generation job, which takes the same lock: the process waits on itself for good
 * (`ephemeral-x25519.test.ts` shows it). The agent and the MP both open client sessions with it.
 */
export function ephemeralX25519(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey: spki.subarray(spki.length - 32).toString('base64url') };
}
