/** The reachability map (decision 0109): which management point ports clients reach, by subnet. */
export { createReachability } from './create-reachability.js';
export { ReachabilityService } from './reachability-service.js';
