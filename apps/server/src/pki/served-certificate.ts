import diagnostics from 'node:diagnostics_channel';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { type CertificateSource, type CertificateView, SiteportError } from '@siteport/protocol';
import { readFileIfExists } from '../fs/index.js';
import { pemCertificates, type ValidatedImport } from './certificate-import.js';
import {
  type CertificateFiles,
  certificateFingerprint,
  renewalReason,
  storedOrIssued,
  writeCertificate,
} from './site-pki.js';

/** A certificate chain and its private key, as a TLS listener takes them. */
export interface TlsPair {
  cert: string;
  key: string;
}

/** Options of {@link ServedCertificate}. */
export interface ServedCertificateDeps {
  /** The site CA certificate (PEM): sent after a certificate it issued. */
  caCertificate: string;
  /** Names the site-issued certificate carries; one missing triggers a renewal. */
  names: readonly string[];
  /** Names clients use to reach this MP (an imported certificate must have them). */
  clientNames: readonly string[];
  /** Issues a new certificate (PEM, the leaf alone) and key from the site CA. */
  issue: () => Promise<TlsPair>;
  /** Where the site-issued certificate is kept. */
  files: CertificateFiles;
  /** Where an imported certificate is kept; undefined where none may be imported (an MP process). */
  imported?: CertificateFiles;
  /** How often the timer checks whether the site-issued certificate is due. @default 3600000 */
  checkMs?: number;
  logger: Logger;
}

const renewedChannel = diagnostics.channel('siteport:pki:certificate-changed');
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The certificate one process's client listeners serve (decision 0101): the one the site CA
 * issued — renewed on a timer when a third of its lifetime is left, or on request — or an imported
 * one an administrator supplied. Every change goes to the subscribers, which give running listeners
 * the new certificate (`setSecureContext`): new connections get it, open ones go on.
 */
export class ServedCertificate {
  private site!: TlsPair;
  private imported: TlsPair | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly servedListeners: ((tls: TlsPair) => void)[] = [];
  private readonly siteListeners: ((tls: TlsPair) => void)[] = [];

  private constructor(private readonly deps: ServedCertificateDeps) {}

  /** Loads the stored certificates, issuing the site one when it is missing or due. */
  static async open(deps: ServedCertificateDeps): Promise<ServedCertificate> {
    const served = new ServedCertificate(deps);
    const stored = await storedOrIssued(deps.files, deps.names, deps.issue);
    served.site = served.chained(stored);
    if (deps.imported !== undefined) {
      const cert = await readFileIfExists(deps.imported.cert);
      const key = await readFileIfExists(deps.imported.key);
      if (cert !== undefined && key !== undefined) served.imported = { cert, key };
    }
    return served;
  }

  /** The chain and key the client listeners serve now. */
  get served(): TlsPair {
    return this.imported ?? this.site;
  }

  /** The site-issued chain and key (the admin listener keeps it also while an imported one is served). */
  get siteIssued(): TlsPair {
    return this.site;
  }

  get source(): CertificateSource {
    return this.imported === undefined ? 'site-ca' : 'imported';
  }

  /** The root of the imported chain, which agents trust beside the site CA; none for the site's own. */
  trustAnchors(): string[] {
    const chain = this.imported === undefined ? [] : pemCertificates(this.imported.cert);
    return chain.length > 1 ? [chain[chain.length - 1]!] : [];
  }

  /** Calls `listener` with every new served chain, or with `'site'` every new site-issued one (the admin listener's). */
  onChange(listener: (tls: TlsPair) => void, which: 'served' | 'site' = 'served'): void {
    (which === 'served' ? this.servedListeners : this.siteListeners).push(listener);
  }

  /** Starts the renewal check timer. */
  start(): void {
    this.timer ??= setInterval(() => void this.renewIfDue(), this.deps.checkMs ?? 3_600_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** What `siteport cert show` prints. */
  view(): CertificateView {
    const leaf = new X509Certificate(this.served.cert);
    const from = Date.parse(leaf.validFrom);
    const to = Date.parse(leaf.validTo);
    const names = (leaf.subjectAltName ?? '')
      .split(', ')
      .filter((n) => n.length > 0)
      .map((n) => n.replace(/^(DNS|IP Address):/, ''));
    const warnings: string[] = [];
    const missing = this.deps.clientNames.filter(
      (n) => !names.includes(n) && leaf.checkHost(n, { wildcards: true }) === undefined,
    );
    if (missing.length > 0) warnings.push(`the certificate does not name ${missing.join(', ')}, which clients use`);
    if (this.imported !== undefined && to - Date.now() < 30 * DAY_MS)
      warnings.push(
        `the imported certificate expires on ${new Date(to).toISOString()}; import its successor before then`,
      );
    return {
      source: this.source,
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      names,
      serial: leaf.serialNumber,
      notBefore: new Date(from).toISOString(),
      notAfter: new Date(to).toISOString(),
      fingerprint: certificateFingerprint(this.served.cert),
      renewAfter: this.imported === undefined ? new Date(to - (to - from) / 3).toISOString() : null,
      trustAnchors: this.trustAnchors().map((pem) => ({
        subject: new X509Certificate(pem).subject.replace(/\n/g, ', '),
        fingerprint: certificateFingerprint(pem),
      })),
      warnings,
    };
  }

  /** Renews the site-issued certificate when a third of its lifetime is left or a name is missing. */
  renewIfDue(): Promise<void> {
    return this.serial(async () => {
      const reason = renewalReason(this.site.cert, this.deps.names);
      if (reason === undefined) return;
      await this.reissue(reason);
    }).catch((error: unknown) =>
      this.deps.logger.error(
        { err: error },
        'cannot renew the management point certificate; trying again at the next check',
      ),
    );
  }

  /**
   * Renews now (an administrator's request). While an imported certificate is served it is refused
   * (E_CERTIFICATE_IMPORTED), unless `siteCa`: then the imported certificate is dropped and a new
   * site-issued one served.
   */
  renew(siteCa: boolean): Promise<{ previous: CertificateView; current: CertificateView }> {
    return this.serial(async () => {
      const previous = this.view();
      if (this.imported !== undefined && !siteCa) {
        throw new SiteportError(
          'E_CERTIFICATE_IMPORTED',
          'the management point serves an imported certificate, which the site CA does not renew: import its successor (siteport cert import), or go back to a certificate of the site CA with siteport cert renew --site-ca',
        );
      }
      if (this.imported !== undefined && this.deps.imported !== undefined) {
        this.imported = undefined;
        await fs.rm(this.deps.imported.key, { force: true });
        await fs.rm(this.deps.imported.cert, { force: true });
      }
      await this.reissue('requested');
      return { previous, current: this.view() };
    });
  }

  /** Serves a validated imported certificate from now on; it is written (key 0600) before it is served. */
  import(validated: ValidatedImport): Promise<{ previous: CertificateView; current: CertificateView }> {
    return this.serial(async () => {
      if (this.deps.imported === undefined)
        throw new SiteportError('E_OPTION', 'only the site server serves an imported certificate');
      const previous = this.view();
      await writeCertificate(this.deps.imported, { cert: validated.chainPem, key: validated.keyPem });
      this.imported = { cert: validated.chainPem, key: validated.keyPem };
      this.changed('imported');
      return { previous, current: this.view() };
    });
  }

  private async reissue(reason: string): Promise<void> {
    const fresh = await this.deps.issue();
    await writeCertificate(this.deps.files, fresh);
    this.site = this.chained(fresh);
    for (const listener of this.siteListeners) listener(this.site);
    this.deps.logger.info(
      { reason, serial: new X509Certificate(fresh.cert).serialNumber },
      'renewed the management point certificate',
    );
    if (this.imported === undefined) this.changed('site-ca');
  }

  private changed(source: CertificateSource): void {
    for (const listener of this.servedListeners) listener(this.served);
    if (renewedChannel.hasSubscribers)
      renewedChannel.publish({ source, serial: new X509Certificate(this.served.cert).serialNumber });
  }

  private chained(pair: TlsPair): TlsPair {
    return { cert: `${pair.cert.trim()}\n${this.deps.caCertificate.trim()}\n`, key: pair.key };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
