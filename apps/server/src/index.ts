export { SiteServer, type ServerInfo, type ServerState } from './site-server.js';
export { parseServerOptions, type ServerOptions, type ServerOptionsInput } from './server-options.js';
export { createLogger } from './logger.js';
export { adminRoutes } from './admin/admin-routes.js';
export { openApiDocument } from './admin/openapi.js';
export { certificateFingerprint } from './pki/site-pki.js';
export { MpServer, type MpServerInfo, type MpServerState } from './mp-server.js';
export { SERVER_LOCK_FILE, lockHolder } from './fs/server-lock.js';
export { type BackupManifest, createBackup, restoreBackup } from './fs/backup.js';
