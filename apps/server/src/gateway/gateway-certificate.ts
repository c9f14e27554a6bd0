import { X509Certificate, webcrypto } from 'node:crypto';
import type { Logger } from 'pino';
import type { GatewayCertificate } from '@siteport/protocol';
import { newMpKey } from '../pki/index.js';

/** A certificate the site issued for the gateway's public name, with its key. */
export interface GatewayIdentity {
  certificate: string;
  keyPem: string;
  names: string[];
  /** When the certificate stops being valid (ISO). */
  validTo: string;
}

/** Clock and check interval; the defaults are the wall clock and one check an hour. */
export interface CertificateTiming {
  now?: () => number;
  /** How often the keeper looks whether the certificate is due for renewal, ms. @default 3600000 */
  checkEveryMs?: number;
}

/** Renewal starts once this share of the certificate's lifetime has passed (20 of 30 days). */
const RENEW_AFTER_SHARE = 2 / 3;
const CHECK_EVERY_MS = 60 * 60 * 1000;

/**
 * Keeps the gateway's TLS certificate current (decision 0113): a new key and a certificate from the
 * site at start, and again once two thirds of its lifetime have passed, through the same `gateway`
 * token; the caller swaps it into the listener, so the gateway never needs a restart for it. The
 * renewal time is measured from when the certificate arrived, on the gateway's clock, so a site
 * clock set differently does not matter. A failed renewal is logged and tried at the next check
 * while the current certificate still serves.
 */
export class GatewayCertificateKeeper {
  private readonly now: () => number;
  private readonly checkEveryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewAt = Number.POSITIVE_INFINITY;
  private renewing = false;
  private current: GatewayIdentity | undefined;

  constructor(
    private readonly request: (publicKeyPem: string) => Promise<GatewayCertificate>,
    private readonly logger: Logger,
    timing: CertificateTiming = {},
  ) {
    this.now = timing.now ?? Date.now;
    this.checkEveryMs = timing.checkEveryMs ?? CHECK_EVERY_MS;
  }

  /** The certificate in use. */
  get identity(): GatewayIdentity | undefined {
    return this.current;
  }

  /** Generates a key and gets a certificate for it from the site. */
  async obtain(): Promise<GatewayIdentity> {
    const { keys, keyPem } = await newMpKey();
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey)).toString('base64');
    const publicKey = `-----BEGIN PUBLIC KEY-----\n${spki.replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PUBLIC KEY-----\n`;
    const issued = await this.request(publicKey);
    const x509 = new X509Certificate(issued.certificate);
    const lifetimeMs = Date.parse(x509.validTo) - Date.parse(x509.validFrom);
    this.renewAt = this.now() + Math.max(0, lifetimeMs) * RENEW_AFTER_SHARE;
    this.current = {
      certificate: issued.certificate,
      keyPem,
      names: issued.names,
      validTo: new Date(x509.validTo).toISOString(),
    };
    return this.current;
  }

  /** Checks every `checkEveryMs` and hands each renewed certificate to `apply`. */
  start(apply: (identity: GatewayIdentity) => void): void {
    this.stop();
    this.timer = setInterval(() => void this.check(apply), this.checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(apply: (identity: GatewayIdentity) => void): Promise<void> {
    if (this.renewing || this.now() < this.renewAt) return;
    this.renewing = true;
    const previous = this.current?.validTo;
    try {
      const identity = await this.obtain();
      if (this.timer === undefined) return;
      apply(identity);
      this.logger.info({ names: identity.names, validTo: identity.validTo, previous }, 'gateway certificate renewed');
    } catch (error) {
      const expired = previous !== undefined && Date.parse(previous) <= Date.now();
      this.logger[expired ? 'error' : 'warn'](
        { err: error, validTo: previous },
        expired
          ? 'the gateway certificate has expired and renewing it failed; retrying at the next check'
          : 'renewing the gateway certificate failed; the current one still serves, retrying at the next check',
      );
    } finally {
      this.renewing = false;
    }
  }
}
