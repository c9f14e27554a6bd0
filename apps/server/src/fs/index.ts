export { type BackupManifest, createBackup, restoreBackup } from './backup.js';
export { secureDataDirAtStart } from './data-dir-permissions.js';
export { readFileIfExists } from './read-file-if-exists.js';
export { acquireServerLock, lockHolder, SERVER_LOCK_FILE } from './server-lock.js';
export { removeStrayTempFiles } from './stray-temp-files.js';
