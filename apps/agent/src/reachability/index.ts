/** Slow reachability probing of MP ports (decision 0109). */
export { ReachabilityProber } from './reachability-prober.js';
