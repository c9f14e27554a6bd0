import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { REGISTRATION_CLIENT_ID, SIGNATURE_HEADERS, canonicalRequest } from '@siteport/protocol';

/** A bare-bones signed MP caller for server tests (the real agent lives in @siteport/agent). */
export class TestMpClient {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  clientId = REGISTRATION_CLIENT_ID;

  constructor() {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  signedHeaders(
    method: string,
    path: string,
    body: Buffer,
    overrides: Partial<Record<'timestamp' | 'nonce', string>> = {},
    key = this.privateKey,
  ) {
    const timestamp = overrides.timestamp ?? String(Date.now());
    const nonce = overrides.nonce ?? randomBytes(16).toString('base64url');
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const signature = sign(
      null,
      Buffer.from(canonicalRequest({ method, path, clientId: this.clientId, timestamp, nonce, bodySha256 })),
      key,
    );
    return {
      [SIGNATURE_HEADERS.client]: this.clientId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
    };
  }
}

/** One raw HTTP(S) request; resolves with status and parsed JSON. */
export function call(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    ca?: string;
    localAddress?: string;
  } = {},
): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: options.method ?? 'GET',
        headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            body: text === '' ? undefined : JSON.parse(text),
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Registers a new client with site PS1 through the MP at `http` (a signed `POST /mp/v1/register`). */
export async function registered(http: string, name: string): Promise<TestMpClient> {
  const client = new TestMpClient();
  const body = Buffer.from(
    JSON.stringify({
      siteCode: 'PS1',
      hostname: name,
      publicKey: client.publicKeyPem,
      category: 'workgroup',
      agentVersion: '1.0.0',
    }),
  );
  const res = await call(`${http}/mp/v1/register`, {
    method: 'POST',
    body,
    headers: client.signedHeaders('POST', '/mp/v1/register', body),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  client.clientId = res.body.clientId as string;
  return client;
}
