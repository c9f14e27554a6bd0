/** @siteport/fs-atomic: crash-safe file replacement, shared by the site server (async) and the agent (sync). */
export { atomicTempPath } from './atomic-temp-path.js';
export { syncPath } from './sync-path.js';
export { writeFileAtomic } from './write-file-atomic.js';
export { writeFileAtomicSync } from './write-file-atomic-sync.js';
