import { type KeyObject, createHash, randomBytes, sign } from 'node:crypto';
import { SIGNATURE_HEADERS, canonicalRequest } from '@siteport/protocol';

/** What is signed besides the fixed fields: the request line and the exact body bytes. */
export interface SignInput {
  method: string;
  /** Request path including the query string, if any. */
  path: string;
  body: Uint8Array;
  /** The management point host this attempt goes to (a session is held per MP host); not signed. */
  host: string;
}

/** Produces the signature headers of one request attempt. */
export type RequestSigner = (input: SignInput) => Record<string, string>;

/** Lower-case hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A signer for one client id and key: each call takes a fresh timestamp and a fresh 16-byte
 * nonce, so a retry on another endpoint is never mistaken for a replay.
 */
export function createRequestSigner(clientId: string, privateKey: KeyObject): RequestSigner {
  return ({ method, path, body }) => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('base64url');
    const canonical = canonicalRequest({ method, path, clientId, timestamp, nonce, bodySha256: sha256Hex(body) });
    const signature = sign(null, Buffer.from(canonical), privateKey).toString('base64');
    return {
      [SIGNATURE_HEADERS.client]: clientId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature,
    };
  };
}
