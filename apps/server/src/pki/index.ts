export { answerCertificateRequests } from './certificate-requests.js';
export { CertificateService } from './certificate-service.js';
export { openMpCertificate } from './mp-certificate.js';
export { type ServedCertificate } from './served-certificate.js';
export { openSiteCertificate, trustBundle } from './site-certificate.js';
export { certificateFingerprint, loadSiteCa, siteCertificateNames } from './site-pki.js';
export { ALGORITHM, type SiteCa, issueMpCertificate, newMpKey } from './site-pki.js';
