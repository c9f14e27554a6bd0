import {
  CertificateChange,
  CertificateImportBody,
  CertificateRenewBody,
  CertificateView,
  SiteportError,
  parseCertificateImportBody,
  parseSiteCode,
} from '@siteport/protocol';
import type { CertificateService } from '../pki/certificate-service.js';
import type { AdminRoute, RouteContext } from './admin-routes.js';

function site(ctx: RouteContext): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

function renewBody(body: unknown): boolean {
  if (body === undefined) return false;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SiteportError('E_BAD_REQUEST', 'the request body must be a JSON object with siteCa');
  const unknown = Object.keys(body).find((k) => k !== 'siteCa');
  if (unknown !== undefined)
    throw new SiteportError('E_VALIDATION', `unknown field '${unknown}'; use siteCa`, { details: { field: unknown } });
  const { siteCa } = body as { siteCa?: unknown };
  if (siteCa !== undefined && typeof siteCa !== 'boolean')
    throw new SiteportError('E_VALIDATION', 'siteCa must be true or false', { details: { field: 'siteCa' } });
  return siteCa === true;
}

/** Admin routes of the management point certificate (decision 0101): show, import, renew. */
export function certificateRoutes(certificates: CertificateService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/certificate',
      summary:
        "The certificate the site server's management point serves: subject, names, issuer, validity, serial, source (site-ca or imported)",
      operationId: 'getCertificate',
      auth: true,
      permission: 'site.read',
      response: CertificateView,
      handle: (ctx) => Promise.resolve(certificates.view(site(ctx))),
    },
    {
      method: 'POST',
      path: '/sites/{code}/certificate/import',
      summary:
        'Serve an enterprise certificate (PEM certificate + key + chain, or PKCS#12 + password) instead of one from the site CA; checked first (key, validity, chain to a root, server use, names), switched without a restart; audited',
      operationId: 'importCertificate',
      auth: true,
      permission: 'certificates.manage',
      requestBody: CertificateImportBody,
      response: CertificateChange,
      handle: (ctx) => certificates.import(site(ctx), parseCertificateImportBody(ctx.body), ctx.actor),
    },
    {
      method: 'POST',
      path: '/sites/{code}/certificate/renew',
      summary:
        'Renew the certificate from the site CA now (siteCa: also drop an imported one); switched without a restart; audited',
      operationId: 'renewCertificate',
      auth: true,
      permission: 'certificates.manage',
      requestBody: CertificateRenewBody,
      response: CertificateChange,
      handle: (ctx) => certificates.renew(site(ctx), renewBody(ctx.body), ctx.actor),
    },
  ];
}
