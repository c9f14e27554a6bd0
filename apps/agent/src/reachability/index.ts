/** Slow reachability probing of MP ports (decision 0109). */
export { runProbes } from './probe-run.js';
export { probeTargets } from './probe-targets.js';
export { ReachabilityProber } from './reachability-prober.js';
