import type { Logger } from 'pino';
import type { CaResponse } from '@siteport/protocol';
import type { MpClient } from './mp-client.js';
import { fetchSiteCa, siteTrustAnchors } from './pin-ca.js';
import type { StateStore } from './state-store.js';

/** How often at most the agent asks the site for its further trust anchors. */
const REFRESH_EVERY_MS = 60_000;

/**
 * What the agent trusts a management point's TLS with: the pinned site CA (trust on first use,
 * checked against SMSCAFINGERPRINT) and the further anchors the site signed while its MPs serve an
 * imported certificate (decision 0101), both kept in the state directory.
 */
export class SiteTrust {
  private caPemValue: string | undefined;
  private trustPem: string | undefined;
  private fetchedAt = 0;

  constructor(
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  /** The pinned site CA (PEM), undefined before the first registration. */
  get caPem(): string | undefined {
    return this.caPemValue;
  }

  /** Re-reads the pinned CA and anchors from the state directory (start, reload). */
  load(): void {
    this.caPemValue = this.store.readText('ca');
    this.trustPem = this.store.readText('trust');
  }

  /** The pinned CA and the further anchors the site signed: what HTTPS and the notification channel verify with. */
  tlsCa(): string | undefined {
    return this.caPemValue === undefined || this.trustPem === undefined
      ? this.caPemValue
      : `${this.caPemValue.trim()}\n${this.trustPem}`;
  }

  /** Fetches the site CA, checks it against the setup fingerprint and pins it. */
  async pin(client: MpClient, fingerprint: string | null): Promise<void> {
    const ca = await fetchSiteCa(client, fingerprint);
    this.store.writeText('ca', ca.caCertificate);
    this.caPemValue = ca.caCertificate;
    this.adopt(ca);
    this.log.info({ siteCode: ca.siteCode, fingerprint: ca.fingerprint }, 'pinned the site CA');
  }

  /**
   * A management point's HTTPS certificate did not verify with what the agent trusts: the site may
   * serve an imported certificate (decision 0101). Fetches the anchors the site signed, at most once
   * a minute; true when they changed.
   */
  async refresh(client: MpClient): Promise<boolean> {
    if (this.caPemValue === undefined || Date.now() - this.fetchedAt < REFRESH_EVERY_MS) return false;
    this.fetchedAt = Date.now();
    try {
      return this.adopt(await client.fetchCa(true));
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, "cannot fetch the site's trust anchors");
      return false;
    }
  }

  /** Takes the further anchors a CA answer names once they verify with the pinned CA; true when they changed. */
  private adopt(ca: CaResponse): boolean {
    if (this.caPemValue === undefined) return false;
    let anchors: string | undefined;
    try {
      anchors = siteTrustAnchors(ca, this.caPemValue);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "ignored trust anchors that are not the site's");
      return false;
    }
    if (anchors === undefined || anchors === this.trustPem) return false;
    this.store.writeText('trust', anchors);
    this.trustPem = anchors;
    this.log.info('trusting the certificate chain the site imported for its management points');
    return true;
  }
}
