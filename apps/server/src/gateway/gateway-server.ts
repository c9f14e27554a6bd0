import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type NonceCache, SourceRateLimit } from '../mp/index.js';
import { GatewayClientKeys } from './client-keys.js';
import { type CertificateTiming, GatewayCertificateKeeper } from './gateway-certificate.js';
import { createGatewayVerifier } from './gateway-verifier.js';
import { type GatewayOptions, type GatewayOptionsInput, parseGatewayOptions } from './gateway-options.js';
import { Relay, type RelayCounts } from './relay.js';
import { SiteLink } from './site-link.js';
import { Upstreams } from './upstreams.js';

/** Lifecycle of a gateway: idle → starting → running → stopping → stopped (a failed start ends stopped). */
export type GatewayState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * A gateway for clients outside the network (decision 0113): one public HTTPS listener with a
 * certificate from the site CA for its public name, relaying verified management point requests of
 * registered clients to the site's MPs, whose ports it reads from the site.
 */
export class GatewayServer {
  private stateValue: GatewayState = 'idle';
  private server: https.Server | undefined;
  private prune: NodeJS.Timeout | undefined;
  private readonly link: SiteLink;
  private readonly upstreams: Upstreams;
  private readonly relay: Relay;
  private readonly keys: GatewayClientKeys;
  readonly options: GatewayOptions;
  private readonly nonces: NonceCache;
  private readonly certificates: GatewayCertificateKeeper;

  /** `timing`: the clock and renewal check interval of the certificate (tests). */
  constructor(
    input: GatewayOptionsInput,
    private readonly logger: Logger,
    timing: CertificateTiming = {},
  ) {
    this.options = parseGatewayOptions(input);
    const o = this.options;
    this.link = new SiteLink({ server: o.server, token: o.token, ca: o.ca, siteCode: o.siteCode });
    this.upstreams = new Upstreams({
      fetch: () => this.link.upstream(),
      refreshMs: o.refreshMs,
      timeoutMs: o.upstreamTimeoutMs,
      maxResponseBytes: 64 * 1024 * 1024,
      logger: logger.child({ component: 'gateway-upstream' }),
    });
    this.certificates = new GatewayCertificateKeeper((publicKey) => this.link.certificate(publicKey), logger, timing);
    this.keys = new GatewayClientKeys({ source: this.link, ttlMs: o.keyTtlMs });
    const { verifier, nonces } = createGatewayVerifier(this.keys);
    this.nonces = nonces;
    this.relay = new Relay({
      verifier,
      upstreams: this.upstreams,
      registrations: new SourceRateLimit({ what: 'registrations', perMinute: o.registrationsPerMinute }),
      limits: { maxBodyBytes: o.maxBodyBytes, maxConcurrent: o.maxConcurrent },
      logger,
    });
  }

  get state(): GatewayState {
    return this.stateValue;
  }

  /** The bound public port. */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** The configured public host name (from the site), if set. */
  get publicHost(): string | undefined {
    return this.upstreams.view?.gateway?.host;
  }

  /** When the certificate in use stops being valid (ISO); it is renewed before that. */
  get certificateValidTo(): string | undefined {
    return this.certificates.identity?.validTo;
  }

  counts(): RelayCounts {
    return this.relay.counts();
  }

  /** Management point endpoints as last read from the site. */
  endpoints(): string[] {
    return (this.upstreams.view?.endpoints ?? []).map((e) => `${e.protocol}://${e.host}:${e.port}`);
  }

  /** Reads the site, gets a certificate for the public name, opens the listener. */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`gateway cannot start from ${this.stateValue}`);
    this.stateValue = 'starting';
    try {
      await this.upstreams.start();
      const issued = await this.certificates.obtain();
      const o = this.options;
      const server = https.createServer({
        cert: issued.certificate,
        key: issued.keyPem,
        minVersion: 'TLSv1.2',
        headersTimeout: 10_000,
        requestTimeout: o.upstreamTimeoutMs + 10_000,
        keepAliveTimeout: 30_000,
        maxHeaderSize: 16 * 1024,
      });
      server.maxConnections = o.maxConnections;
      server.maxHeadersCount = 64;
      server.on('request', (req, res) => this.relay.handle(req, res));
      server.on('tlsClientError', (error) => this.logger.debug({ err: error }, 'TLS handshake failed'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.listenHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.server = server;
      this.prune = setInterval(() => {
        this.nonces.prune();
      }, 60_000);
      this.prune.unref();
      // A renewed certificate serves new handshakes; open connections keep theirs.
      this.certificates.start((renewed) =>
        server.setSecureContext({ cert: renewed.certificate, key: renewed.keyPem, minVersion: 'TLSv1.2' }),
      );
      this.stateValue = 'running';
      this.logger.info({ port: this.port, publicName: issued.names, endpoints: this.endpoints() }, 'gateway listening');
    } catch (error) {
      this.upstreams.stop();
      this.link.close();
      this.stateValue = 'stopped';
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.stateValue !== 'running') {
      this.stateValue = 'stopped';
      return;
    }
    this.stateValue = 'stopping';
    this.certificates.stop();
    if (this.prune !== undefined) clearInterval(this.prune);
    const server = this.server;
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(cut);
    }
    this.upstreams.stop();
    this.link.close();
    this.stateValue = 'stopped';
  }
}
