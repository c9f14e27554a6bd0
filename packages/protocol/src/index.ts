export * from './error-codes.js';
export * from './siteport-error.js';
export * from './port-settings.js';
export * from './port-rules.js';
export * from './port-change.js';
export * from './site-code.js';
export * from './host-name.js';
export * from './client-category.js';
export * from './setup-properties.js';
export * from './signing.js';
export * from './protocol-version.js';
export * from './wire/mp-messages.js';
export * from './wire/admin-messages.js';
<<<<<<< HEAD
export * from './wire/rollout-messages.js';
=======
export * from './push-input.js';
export * from './wire/push-messages.js';
>>>>>>> 251a651 (Client push installation over SSH: inventory, encrypted push account, installer, retry scheduler, admin routes, siteport push)
