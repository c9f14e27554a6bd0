import {
  CertificateChange,
  CertificateImportBody,
  CertificateRenewBody,
  CertificateView,
  checkCertificateImport,
  parseSiteCode,
} from '@siteport/protocol';
import type { CertificateService } from '../pki/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
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
    route({
      method: 'POST',
      path: '/sites/{code}/certificate/import',
      summary:
        'Serve an enterprise certificate (PEM certificate + key + chain, or PKCS#12 + password) instead of one from the site CA; checked first (key, validity, chain to a root, server use, names), switched without a restart; audited',
      operationId: 'importCertificate',
      auth: true,
      permission: 'certificates.manage',
      requestBody: CertificateImportBody,
      response: CertificateChange,
      handle: (ctx) => certificates.import(site(ctx), checkCertificateImport(ctx.body), ctx.actor),
    }),
    route({
      method: 'POST',
      path: '/sites/{code}/certificate/renew',
      summary:
        'Renew the certificate from the site CA now (siteCa: also drop an imported one); switched without a restart; audited',
      operationId: 'renewCertificate',
      auth: true,
      permission: 'certificates.manage',
      requestBody: CertificateRenewBody,
      response: CertificateChange,
      handle: (ctx) => certificates.renew(site(ctx), ctx.body.siteCa === true, ctx.actor),
    }),
  ];
}
