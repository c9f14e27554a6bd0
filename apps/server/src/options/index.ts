export { connectionOptions } from './connection-options.js';
export { count, days, millis, optionPort, pendingCap, perMinute, seconds } from './option-values.js';
export { parentOptions } from './parent-options.js';
export { mpCertificate, parseRole, registryTiming } from './mp-options.js';
export type { ServerOptionsInput } from './server-options-input.js';
