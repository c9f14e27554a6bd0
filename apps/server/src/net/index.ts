export { AuthThrottle, type AuthThrottleLimits, DEFAULT_AUTH_THROTTLE, type SignInLockout } from './auth-throttle.js';
export {
  adminListenerLimits,
  applyHttpLimits,
  clientListenerLimits,
  type ConnectionOptions,
  httpServerOptions,
  type ListenerLimits,
} from './listener-limits.js';
export {
  type EndpointHandler,
  type EndpointSpec,
  type ListenerMode,
  ListenerSet,
  type ListenerStatus,
  type Protocol,
} from './listener-set.js';
export { WildcardFallback } from './wildcard-fallback.js';
