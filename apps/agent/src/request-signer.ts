import { type KeyObject, createHash, randomBytes, sign } from 'node:crypto';
import { EPOCH_LENGTH, SIGNATURE_HEADERS, canonicalRequest } from '@siteport/protocol';

/** What is signed besides the fixed fields: the request line and the exact body bytes. */
interface SignInput {
  method: string;
  /** Request path including the query string, if any. */
  path: string;
  body: Uint8Array;
  /** The management point host this attempt goes to (a session is held per MP host); not signed. */
  host: string;
  /**
   * The epoch that host's MP process last announced (`x-siteport-epoch`), if any: a signed request
   * is bound to it by beginning its nonce with it (decision 0092).
   */
  epoch?: string;
}

/** Produces the signature headers of one request attempt. */
export type RequestSigner = (input: SignInput) => Record<string, string>;

/** Lower-case hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A fresh nonce: 16 random bytes, base64url, after the MP process's epoch when one is known, so
 * that the request is accepted by that process only (decision 0092).
 */
export function requestNonce(epoch: string | undefined): string {
  const random = randomBytes(16).toString('base64url');
  return epoch !== undefined && epoch.length === EPOCH_LENGTH ? `${epoch}${random}` : random;
}

/**
 * A signer for one client id and key: each call takes a fresh timestamp and a fresh 16-byte
 * nonce (bound to the MP's epoch when the transport knows it), so a retry on another endpoint is
 * never mistaken for a replay.
 */
export function createRequestSigner(clientId: string, privateKey: KeyObject): RequestSigner {
  return ({ method, path, body, epoch }) => {
    const timestamp = String(Date.now());
    const nonce = requestNonce(epoch);
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
