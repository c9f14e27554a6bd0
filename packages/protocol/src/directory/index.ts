export * from './directory-schema.js';
export * from './directory-url.js';
export * from './directory-failure.js';
export * from './published-site.js';
