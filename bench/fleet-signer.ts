import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import os from 'node:os';
import { REGISTRATION_CLIENT_ID, SIGNATURE_HEADERS, canonicalRequest, type RegisterResponse } from '@siteport/protocol';

/** One simulated client: a real Ed25519 key, registered at the MP, signing every request. */
export class SimulatedClient {
  private readonly key: KeyObject;
  readonly publicKeyPem: string;
  id = REGISTRATION_CLIENT_ID;

  constructor(readonly hostname: string) {
    const pair = generateKeyPairSync('ed25519');
    this.key = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  headers(method: string, path: string, body: string): Record<string, string> {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('base64url');
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const signature = sign(null, Buffer.from(canonicalRequest({ method, path, clientId: this.id, timestamp, nonce, bodySha256 })), this.key);
    return {
      [SIGNATURE_HEADERS.client]: this.id,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
    };
  }

  /** Registers over plain HTTP at `base` and keeps the client id. */
  async register(base: string): Promise<RegisterResponse> {
    const body = JSON.stringify({ siteCode: 'AUTO', hostname: this.hostname, publicKey: this.publicKeyPem, category: 'workgroup', agentVersion: `bench-${os.hostname()}` });
    const res = await fetch(`${base}/mp/v1/register`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...this.headers('POST', '/mp/v1/register', body) },
    });
    if (!res.ok) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
    const reply = (await res.json()) as RegisterResponse;
    this.id = reply.clientId;
    return reply;
  }
}
