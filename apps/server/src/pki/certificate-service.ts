import type { Kysely, SiteDatabase } from '@siteport/db';
import {
  type CertificateChange,
  type CertificateImportBody,
  type CertificateView,
  SiteportError,
} from '@siteport/protocol';
import type { AuditRepository } from '../site/index.js';
import { type ServedNames, validateImport } from './certificate-import.js';
import { readPkcs12 } from './pkcs12.js';
import type { ServedCertificate } from './served-certificate.js';

function summary(view: CertificateView): Record<string, unknown> {
  return {
    source: view.source,
    serial: view.serial,
    subject: view.subject,
    issuer: view.issuer,
    notAfter: view.notAfter,
    fingerprint: view.fingerprint,
  };
}

/**
 * The administrator's operations on the site server's MP certificate (decision 0101): show,
 * import (PEM or PKCS#12, checked before anything is written), renew. Every change is audited with
 * the certificates' serials and fingerprints; never a key or a password.
 */
export class CertificateService {
  constructor(
    private readonly deps: {
      siteCode: string;
      db: Kysely<SiteDatabase>;
      audit: AuditRepository;
      served: ServedCertificate;
      names: ServedNames;
      /** Asks every MP process of the site to renew its certificate too (PostgreSQL sites). */
      renewOthers?: () => Promise<void>;
    },
  ) {}

  private site(code: string): void {
    if (code !== this.deps.siteCode)
      throw new SiteportError('E_SITE_NOT_FOUND', `this server runs site ${this.deps.siteCode}, not ${code}`);
  }

  view(code: string): CertificateView {
    this.site(code);
    return this.deps.served.view();
  }

  async import(code: string, body: CertificateImportBody, actor: string): Promise<CertificateChange> {
    this.site(code);
    const pem =
      body.pkcs12 !== undefined
        ? readPkcs12(body.pkcs12, body.password ?? '')
        : { certificate: body.certificate ?? '', key: body.key ?? '', chain: body.chain };
    const validated = validateImport(pem, this.deps.names);
    const { previous, current } = await this.deps.served.import(validated);
    await this.record(actor, 'certificate.import', previous, current);
    return {
      certificate: {
        ...current,
        warnings: [...validated.warnings, ...current.warnings.filter((w) => !validated.warnings.includes(w))],
      },
      previousSerial: previous.serial,
    };
  }

  async renew(code: string, siteCa: boolean, actor: string): Promise<CertificateChange> {
    this.site(code);
    const { previous, current } = await this.deps.served.renew(siteCa);
    await this.record(actor, 'certificate.renew', previous, current);
    await this.deps.renewOthers?.();
    return { certificate: current, previousSerial: previous.serial };
  }

  private record(actor: string, action: string, previous: CertificateView, current: CertificateView): Promise<void> {
    return this.deps.audit.append(this.deps.db, {
      at: new Date().toISOString(),
      actor,
      siteCode: this.deps.siteCode,
      action,
      oldValue: summary(previous),
      newValue: summary(current),
      outcome: 'applied',
    });
  }
}
