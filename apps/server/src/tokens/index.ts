export { ADMIN_TOKEN_FILE, BootstrapToken, tokenMatches } from './admin-token.js';
export { ApiTokenRepository } from './api-token-repository.js';
export { ApiTokens } from './api-tokens.js';
