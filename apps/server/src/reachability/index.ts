/** The reachability map (decision 0109): which management point ports clients reach, by subnet. */
export { aggregate, countBySubnet, isReachable, standing } from './aggregate.js';
export { DEFAULT_REACHABILITY_SETTINGS, ReachabilityRepository } from './reachability-repository.js';
export { ReachabilityService, type SitePorts } from './reachability-service.js';
export { sitePortsFrom } from './site-ports.js';
export { subnetOf } from './subnet.js';
export { createReachability } from './create-reachability.js';
