export { ConsoleAccounts, INITIAL_PASSWORD_FILE, SESSION_LIFETIME_MS } from './console-accounts.js';
export { ConsoleUserAdmin } from './console-user-admin.js';
export { type ConsoleSession, ConsoleUserRepository } from './console-user-repository.js';
export { CONSOLE_PREFIX, DEFAULT_CONSOLE_DIR, serveConsole } from './static-files.js';
