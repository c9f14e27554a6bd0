export { type GuardPlan, type PortChangeGuard } from './port-change-guard.js';
export { type PortBinder, PortSettingsService } from './port-settings-service.js';
export { PreflightProbes } from './rollout/preflight-probes.js';
export { RolloutRepository } from './rollout/rollout-repository.js';
export { DEFAULT_DEADLINE_SECONDS, MAX_DEADLINE_SECONDS, RolloutService } from './rollout/rollout-service.js';
export { type ServedEndpoint, servedKeys } from './rollout/served-endpoints.js';
export { formatInZone, isTimeZone, recurringInstant } from './rollout/zoned-time.js';
