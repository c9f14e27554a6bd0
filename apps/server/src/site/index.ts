export { AuditRepository } from './audit-repository.js';
export { publicKeyFromPem } from './ed25519-key.js';
export { PUSH_REDACT, SecretBox } from './secret-box.js';
export { SiteEvents } from './site-events.js';
export { type SiteRecord, SiteRepository, type StoredPorts } from './site-repository.js';
