import http from 'node:http';
import https from 'node:https';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  ADMIN_PREFIX,
  GatewayCertificate,
  GatewayClientKey,
  GatewayUpstream,
  SiteportError,
  invalidField,
} from '@siteport/protocol';
import type { TSchema, Static } from '@sinclair/typebox';

/** How a gateway reaches its site: the site server's admin URL, a `gateway` token and the site CA. */
export interface SiteLinkOptions {
  /** Admin API base URL of the site server, e.g. https://site.example:8443 */
  server: string;
  token: string;
  /** The site CA (PEM) the admin listener's certificate is checked with (an https:// server). */
  ca: string | undefined;
  siteCode: string;
  /** Timeout of one call. @default 10000 */
  timeoutMs?: number;
}

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const checks = {
  upstream: TypeCompiler.Compile(GatewayUpstream),
  client: TypeCompiler.Compile(GatewayClientKey),
  certificate: TypeCompiler.Compile(GatewayCertificate),
};

/**
 * The gateway's calls to its site (decision 0113), with a token of the `gateway` role, which may
 * read the MP endpoints and client keys and get the gateway's certificate, nothing else. Every
 * answer is checked against its schema before it is used.
 */
export class SiteLink {
  private readonly agent: https.Agent;

  constructor(private readonly options: SiteLinkOptions) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
  }

  close(): void {
    this.agent.destroy();
  }

  async upstream(): Promise<GatewayUpstream> {
    return this.call('GET', `/sites/${this.options.siteCode}/gateway/upstream`, undefined, checks.upstream, 'upstream');
  }

  /** A client's key and status, or undefined when the site does not know it. */
  async clientKey(id: string): Promise<GatewayClientKey | undefined> {
    try {
      return await this.call(
        'GET',
        `/sites/${this.options.siteCode}/gateway/clients/${encodeURIComponent(id)}`,
        undefined,
        checks.client,
        'client key',
      );
    } catch (error) {
      if (error instanceof SiteportError && error.code === 'E_CLIENT_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async certificate(publicKey: string): Promise<GatewayCertificate> {
    return this.call(
      'POST',
      `/sites/${this.options.siteCode}/gateway/certificate`,
      { publicKey },
      checks.certificate,
      'certificate',
    );
  }

  private call<S extends TSchema>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    check: ReturnType<typeof TypeCompiler.Compile<S>>,
    what: string,
  ): Promise<Static<S>> {
    const url = new URL(`${ADMIN_PREFIX}${path}`, this.options.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(url, {
        method,
        ...(url.protocol === 'https:' ? { agent: this.agent } : {}),
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`the site did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(
          new SiteportError('E_GATEWAY_UPSTREAM', `cannot reach the site at ${url.origin}: ${error.message}`, {
            cause: error,
          }),
        );
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('the site answered more than 4 MiB'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(SiteportError.fromBody(parsed, `the site answered HTTP ${status} to the gateway's ${what} call`));
            return;
          }
          if (!check.Check(parsed)) {
            reject(invalidField(`site ${what}`, check.Errors(parsed)));
            return;
          }
          resolve(parsed);
        });
      });
      req.end(payload);
    });
  }
}
