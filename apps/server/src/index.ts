export { SiteServer, type ServerInfo, type ServerState } from './site-server.js';
export { parseServerOptions, type ServerOptions, type ServerOptionsInput } from './server-options.js';
export { createLogger } from './logger.js';
export { adminRoutes } from './admin-api/index.js';
export { openApiDocument } from './admin-api/index.js';
export { certificateFingerprint } from './pki/index.js';
export { MpServer, type MpServerInfo, type MpServerState } from './mp-server.js';
export { SERVER_LOCK_FILE, lockHolder } from './fs/index.js';
export { type BackupManifest, createBackup, restoreBackup } from './fs/index.js';
