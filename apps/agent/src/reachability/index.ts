/** Slow reachability probing of MP ports (decision 0109). */
export { probePort } from './port-probe.js';
export { ProbeSchedule } from './probe-schedule.js';
export { DEFAULT_PROBE_INTERVAL_SECONDS, probeTargets } from './probe-targets.js';
export { type ProbeRunContext, ReachabilityProber } from './reachability-prober.js';
