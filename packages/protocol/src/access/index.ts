export * from './permissions.js';
export * from './site-scope.js';
export * from './token-expiry.js';
