export { OpsMetrics } from './ops-metrics.js';
export { OpsServer } from './ops-server.js';
export { type Check } from './readiness.js';
