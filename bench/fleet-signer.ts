import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import os from 'node:os';
import { type ClientSession, requestNonce, sessionHeaders, startClientSession } from '@siteport/agent';
import {
  CLIENT_SESSION_PATH,
  EPOCH_HEADER,
  type ClientSessionResponse,
  REGISTRATION_CLIENT_ID,
  SIGNATURE_HEADERS,
  canonicalRequest,
  type RegisterResponse,
} from '@siteport/protocol';

/** The signed request that opens a client session, and what to do with the MP's answer. */
export interface SessionOpening {
  path: typeof CLIENT_SESSION_PATH;
  body: string;
  headers: Record<string, string>;
  finish: (answer: ClientSessionResponse) => void;
}

/**
 * One simulated client: a real Ed25519 key, registered at the MP. Like the agent (decision 0062)
 * it opens a client session with a signed request and then authenticates every request with the
 * session MAC; before it holds a session (registration, opening one) it signs.
 */
export class SimulatedClient {
  private readonly key: KeyObject;
  readonly publicKeyPem: string;
  id = REGISTRATION_CLIENT_ID;
  private session: ClientSession | undefined;
  /** The epoch of the MP process this client talks to (learnt from its answers), which signed requests are bound to. */
  epoch: string | undefined;

  constructor(readonly hostname: string) {
    const pair = generateKeyPairSync('ed25519');
    this.key = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Whether requests carry a session MAC (else a signature). */
  get hasSession(): boolean {
    return this.session !== undefined;
  }

  /** Authentication headers of one request: the session MAC once a session is open, else an Ed25519 signature. */
  headers(method: string, path: string, body: string): Record<string, string> {
    if (this.session !== undefined) return sessionHeaders(this.session, method, path, Buffer.from(body));
    return this.signedHeaders(method, path, body);
  }

  /** Ed25519 signature headers, the nonce bound to `epoch` (the client's MP, or the one given) when known (decision 0092). */
  signedHeaders(method: string, path: string, body: string, epoch = this.epoch): Record<string, string> {
    const timestamp = String(Date.now());
    const nonce = requestNonce(epoch);
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const signature = sign(
      null,
      Buffer.from(canonicalRequest({ method, path, clientId: this.id, timestamp, nonce, bodySha256 })),
      this.key,
    );
    return {
      [SIGNATURE_HEADERS.client]: this.id,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature.toString('base64'),
    };
  }

  /** Starts opening a session (whatever carries the request): the signed request, and `finish` for the answer. */
  sessionOpening(epoch = this.epoch): SessionOpening {
    const pending = startClientSession(this.id);
    const body = JSON.stringify({ publicKey: pending.publicKey });
    return {
      path: CLIENT_SESSION_PATH,
      body,
      headers: this.signedHeaders('POST', CLIENT_SESSION_PATH, body, epoch),
      finish: (answer) => {
        this.session = pending.finish(answer);
      },
    };
  }

  /** Forgets the session (the MP no longer holds it); the next request must open a new one. */
  dropSession(): void {
    this.session = undefined;
  }

  /** Registers over plain HTTP at `base` and keeps the client id. */
  async register(base: string): Promise<RegisterResponse> {
    const body = JSON.stringify({
      siteCode: 'AUTO',
      hostname: this.hostname,
      publicKey: this.publicKeyPem,
      category: 'workgroup',
      agentVersion: `bench-${os.hostname()}`,
    });
    const res = await fetch(`${base}/mp/v1/register`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...this.signedHeaders('POST', '/mp/v1/register', body) },
    });
    if (!res.ok) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
    this.epoch = res.headers.get(EPOCH_HEADER) ?? undefined;
    const reply = (await res.json()) as RegisterResponse;
    this.id = reply.clientId;
    return reply;
  }

  /** Opens a client session over plain HTTP at `base`. */
  async openSession(base: string): Promise<void> {
    const opening = this.sessionOpening();
    const res = await fetch(`${base}${opening.path}`, {
      method: 'POST',
      body: opening.body,
      headers: { 'content-type': 'application/json', ...opening.headers },
    });
    if (!res.ok) throw new Error(`opening a session failed: ${res.status} ${await res.text()}`);
    opening.finish((await res.json()) as ClientSessionResponse);
  }
}
