import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  ANSWER_HEADERS,
  type Policy,
  REGISTRATION_CLIENT_ID,
  SIGNATURE_HEADERS,
  SiteportError,
  answerPrefix,
  canonicalRequest,
  httpStatusOf,
} from '@siteport/protocol';
import { type TestPki, createTestPki } from './test-pki.js';

/** One request the scripted MP received. */
export interface SeenRequest {
  protocol: 'http' | 'https';
  port: number;
  method: string;
  path: string;
  clientId: string | null;
  body: unknown;
}

interface Listener {
  protocol: 'http' | 'https';
  port: number;
  server: http.Server | https.Server;
}

/**
 * A scripted management point for integration tests: real HTTP and HTTPS listeners on loopback,
 * the four `/mp/v1` endpoints with signature checks, answers signed with its CA's key as a site
 * signs them (decision 0092), and knobs to open, close and reopen ports, demand HTTPS, forget
 * clients and publish new policy.
 */
export class ScriptedMp {
  readonly pki: TestPki;
  readonly siteCode: string;
  policy: Policy;
  /** Answer E_HTTPS_REQUIRED on every HTTP listener. */
  httpsRequired = false;
  readonly requests: SeenRequest[] = [];
  readonly clients = new Map<string, string>();
  private readonly listeners = new Map<string, Listener>();

  constructor(siteCode = 'PS1', pki: TestPki = createTestPki()) {
    this.pki = pki;
    this.siteCode = siteCode;
    this.policy = {
      siteCode,
      settingsVersion: 1,
      ports: {
        http: { default: 80, alternate: null },
        https: { default: 443, alternate: null },
        notification: 10123,
        wake: 9,
      },
      communicationMode: 'https-or-http',
      policyIntervalSeconds: 60,
      managementPoints: ['127.0.0.1'],
      issuedAt: new Date().toISOString(),
    };
  }

  /** Opens a listener (port 0 = any free port) and returns the bound port. */
  async listen(protocol: 'http' | 'https', port = 0): Promise<number> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(protocol, req, res);
    };
    const server =
      protocol === 'http'
        ? http.createServer(handler)
        : https.createServer({ key: this.pki.serverKeyPem, cert: this.pki.serverCertPem }, handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    this.listeners.set(`${protocol}:${bound}`, { protocol, port: bound, server });
    return bound;
  }

  /** Closes a listener and every connection on it: the port then refuses connections. */
  async close(protocol: 'http' | 'https', port: number): Promise<void> {
    const listener = this.listeners.get(`${protocol}:${port}`);
    if (listener === undefined) return;
    this.listeners.delete(`${protocol}:${port}`);
    await new Promise<void>((resolve) => {
      listener.server.close(() => resolve());
      listener.server.closeAllConnections();
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => this.close(l.protocol, l.port)));
  }

  /** Requests seen on one path (e.g. `/mp/v1/heartbeat`). */
  seen(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Publishes a new policy version with some fields changed. */
  publish(change: Partial<Omit<Policy, 'settingsVersion'>>): Policy {
    this.policy = {
      ...this.policy,
      ...change,
      settingsVersion: this.policy.settingsVersion + 1,
      issuedAt: new Date().toISOString(),
    };
    return this.policy;
  }

  private handle(protocol: 'http' | 'https', req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const port = req.socket.localPort ?? 0;
      const path = req.url ?? '/';
      let body: unknown;
      try {
        body = raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
      } catch {
        body = undefined;
      }
      const clientHeader = req.headers[SIGNATURE_HEADERS.client];
      this.requests.push({
        protocol,
        port,
        method: req.method ?? '',
        path,
        clientId: typeof clientHeader === 'string' ? clientHeader : null,
        body,
      });
      try {
        const answer = this.route(protocol, port, req, path, raw, body);
        this.send(req, res, 200, answer);
      } catch (error) {
        const e = error instanceof SiteportError ? error : new SiteportError('E_INTERNAL', String(error));
        this.send(req, res, httpStatusOf(e.code), e.toBody());
      }
    });
  }

  private route(
    protocol: 'http' | 'https',
    port: number,
    req: http.IncomingMessage,
    path: string,
    raw: Buffer,
    body: unknown,
  ): unknown {
    if (path === '/mp/v1/ca' && req.method === 'GET') {
      return { siteCode: this.siteCode, caCertificate: this.pki.caPem, fingerprint: this.pki.caFingerprint };
    }
    if (protocol === 'http' && this.httpsRequired) throw new SiteportError('E_HTTPS_REQUIRED', 'use HTTPS');
    if (path === '/mp/v1/register' && req.method === 'POST') {
      const publicKey = (body as { publicKey?: unknown } | undefined)?.publicKey;
      if (typeof publicKey !== 'string') throw new SiteportError('E_VALIDATION', 'publicKey missing');
      this.verify(req, path, raw, REGISTRATION_CLIENT_ID, publicKey);
      const clientId = randomUUID();
      this.clients.set(clientId, publicKey);
      return { clientId, siteCode: this.siteCode, policy: this.policy };
    }
    const clientId = req.headers[SIGNATURE_HEADERS.client];
    if (typeof clientId !== 'string') throw new SiteportError('E_UNSIGNED', 'unsigned');
    const publicKey = this.clients.get(clientId);
    if (publicKey === undefined) throw new SiteportError('E_UNKNOWN_CLIENT', 'unknown client');
    this.verify(req, path, raw, clientId, publicKey);
    if (path === '/mp/v1/policy' && req.method === 'GET') return this.policy;
    if (path === '/mp/v1/heartbeat' && req.method === 'POST') {
      return { settingsVersion: this.policy.settingsVersion, observed: { port, protocol } };
    }
    throw new SiteportError('E_NOT_FOUND', `no ${path}`);
  }

  private verify(req: http.IncomingMessage, path: string, raw: Buffer, clientId: string, publicKeyPem: string): void {
    const header = (name: string): string => {
      const value = req.headers[name];
      if (typeof value !== 'string') throw new SiteportError('E_UNSIGNED', `missing ${name}`);
      return value;
    };
    if (header(SIGNATURE_HEADERS.client) !== clientId) throw new SiteportError('E_BAD_SIGNATURE', 'client id mismatch');
    const canonical = canonicalRequest({
      method: req.method ?? '',
      path,
      clientId,
      timestamp: header(SIGNATURE_HEADERS.timestamp),
      nonce: header(SIGNATURE_HEADERS.nonce),
      bodySha256: createHash('sha256').update(raw).digest('hex'),
    });
    const ok = verify(
      null,
      Buffer.from(canonical),
      createPublicKey(publicKeyPem),
      Buffer.from(header(SIGNATURE_HEADERS.signature), 'base64'),
    );
    if (!ok) throw new SiteportError('E_BAD_SIGNATURE', 'signature does not verify');
  }

  /** Sends an answer, signed with the CA key and bound to the request's nonce when the request was signed. */
  private send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown): void {
    const bytes = Buffer.from(JSON.stringify(body));
    const clientId = req.headers[SIGNATURE_HEADERS.client];
    const nonce = req.headers[SIGNATURE_HEADERS.nonce];
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': bytes.length,
    };
    if (typeof clientId === 'string' && typeof nonce === 'string') {
      const prefix = answerPrefix({
        status,
        method: req.method ?? '',
        path: req.url ?? '/',
        clientId,
        sessionId: '',
        nonce,
      });
      headers[ANSWER_HEADERS.signature] = sign(
        'sha256',
        Buffer.concat([Buffer.from(prefix), bytes]),
        createPrivateKey(this.pki.caKeyPem),
      ).toString('base64');
    }
    res.writeHead(status, headers);
    res.end(bytes);
  }
}

/** A loopback port that nothing listens on (bound then released). */
export async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
