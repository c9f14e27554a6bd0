// The arithmetic of the reachability cost bench: from the MP's cost of one probe round and of one
// normal request, each measured in bulk, the share probing adds to the MP's load at the default
// schedule, and the table that says so.
import type { RatioRow } from './ratio-summary.js';

/** What the bench measured on one MP, in one run. */
export interface ReachabilityCostMeasure {
  clients: number;
  /** MP CPU time per normal request (heartbeat or policy, session MAC, HTTPS keep-alive), µs. */
  normalCpuMicros: number;
  /** Normal requests measured. */
  normalRequests: number;
  /**
   * MP CPU time per probe round as an agent makes it by default (HTTPS client with a live
   * notification channel, decision 0115): a connect or handshake on each port the check-in did not
   * just use, and the report POST, µs.
   */
  roundCpuMicros: number;
  /** The same with a connect or handshake on every port (an agent whose check-in used none of them), µs. */
  fullRoundCpuMicros: number;
  /** Probe rounds measured. */
  rounds: number;
  /** Connections one default round opens for probing. */
  portsPerRound: number;
  /** Ports one round tests (connections a round on every port opens). */
  portsPerFullRound: number;
}

/** The default schedule the share is computed for. */
export interface ReachabilitySchedule {
  /** The policy interval: each client sends a heartbeat and a policy request once per interval. */
  policyIntervalSeconds: number;
  /** Normal requests per client per policy interval. */
  requestsPerInterval: number;
  /** The probe interval of the reachability settings. */
  probeIntervalSeconds: number;
  /** Later probe periods are shortened by up to this fraction at random; the mean period is (1 − spread / 2) × interval. */
  spread: number;
}

/** siteport's defaults: policy every 60 s (heartbeat + policy), probing every 6 h less up to a tenth. */
export const DEFAULT_SCHEDULE: ReachabilitySchedule = {
  policyIntervalSeconds: 60,
  requestsPerInterval: 2,
  probeIntervalSeconds: 21_600,
  spread: 0.1,
};

/** The bar: probing adds at most 1 % to the MP's request load. */
export const COST_BAR = 0.01;

export interface ReachabilityShare {
  /** Probe rounds per client per second: 1 / mean probe period. */
  roundRate: number;
  /** Normal requests per client per second. */
  requestRate: number;
  /** Probing's MP CPU as a fraction of the normal traffic's MP CPU. */
  cpu: number;
  /** The same if every round connected to every port. */
  fullCpu: number;
  /** Probing's requests (one report per round) as a fraction of the normal requests. */
  requests: number;
  /** Probing's connections plus requests as a fraction of the normal requests. */
  contacts: number;
}

/**
 * cpu share = (roundCpu / meanProbePeriod) / (requestsPerInterval × normalCpu / policyInterval),
 * meanProbePeriod = (1 − spread / 2) × probeInterval. Per client: the fleet size cancels out.
 */
export function reachabilityShare(m: ReachabilityCostMeasure, s: ReachabilitySchedule): ReachabilityShare {
  const roundRate = 1 / ((1 - s.spread / 2) * s.probeIntervalSeconds);
  const requestRate = s.requestsPerInterval / s.policyIntervalSeconds;
  return {
    roundRate,
    requestRate,
    cpu: (roundRate * m.roundCpuMicros) / (requestRate * m.normalCpuMicros),
    fullCpu: (roundRate * m.fullRoundCpuMicros) / (requestRate * m.normalCpuMicros),
    requests: roundRate / requestRate,
    contacts: (roundRate * (1 + m.portsPerRound)) / requestRate,
  };
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(3)} %`;

/** The results table (markdown), the formula included. */
export function reachabilityCostLines(m: ReachabilityCostMeasure, s: ReachabilitySchedule): string[] {
  const share = reachabilityShare(m, s);
  const mean = (1 - s.spread / 2) * s.probeIntervalSeconds;
  const normalPerInterval = s.requestsPerInterval * m.normalCpuMicros;
  return [
    '',
    '## Reachability probing: MP cost at the default schedule',
    '',
    `One siteport MP (SQLite), ${m.clients} registered simulated clients with client sessions, every request carrying a session MAC. Measured in bulk on the same MP in one run: ${m.normalRequests} normal requests (heartbeat + policy over HTTPS keep-alive) and ${m.rounds} probe rounds made by the agent's own probe code, half as the agent probes by default (a connect on the ${m.portsPerRound} port(s) its HTTPS check-in and live notification channel did not just use) and half with a TCP connect or TLS handshake against the site CA on all ${m.portsPerFullRound} ports, each round followed by POST /mp/v1/reachability. MP CPU is the server process's user + system time from /proc, less its idle rate.`,
    '',
    `share = (round CPU ÷ mean probe period) ÷ (${s.requestsPerInterval} × request CPU ÷ policy interval); mean probe period = (1 − ${s.spread} ÷ 2) × ${s.probeIntervalSeconds} s = ${mean} s; policy interval ${s.policyIntervalSeconds} s.`,
    '',
    '| quantity | measured | per client per second at the default schedule |',
    '|---|---:|---:|',
    `| normal traffic: MP CPU per request | ${m.normalCpuMicros.toFixed(0)} µs | ${(share.requestRate * m.normalCpuMicros).toFixed(2)} µs (${share.requestRate.toFixed(4)} requests) |`,
    `| probing: MP CPU per round, default | ${m.roundCpuMicros.toFixed(0)} µs | ${(share.roundRate * m.roundCpuMicros).toFixed(4)} µs (${share.roundRate.toExponential(2)} rounds) |`,
    `| probing: MP CPU per round, every port | ${m.fullRoundCpuMicros.toFixed(0)} µs | ${(share.roundRate * m.fullRoundCpuMicros).toFixed(4)} µs |`,
    `| round ÷ one cycle of normal traffic | ${(m.roundCpuMicros / normalPerInterval).toFixed(2)} × | |`,
    '',
    '| what probing adds | ratio | target | met |',
    '|---|---:|---|---|',
    `| MP CPU | ${pct(share.cpu)} | ≤ ${pct(COST_BAR)} | ${share.cpu <= COST_BAR ? 'yes' : '**no**'} |`,
    `| MP CPU if every round connected to every port | ${pct(share.fullCpu)} | — | |`,
    `| MP requests (one report per round) | ${pct(share.requests)} | ≤ ${pct(COST_BAR)} | ${share.requests <= COST_BAR ? 'yes' : '**no**'} |`,
    `| MP connections + requests (${m.portsPerRound} probe connections + the report) | ${pct(share.contacts)} | — | |`,
  ];
}

/** The rows `npm run bench` adds to its ratio table. */
export function reachabilityCostRatios(m: ReachabilityCostMeasure, s: ReachabilitySchedule): RatioRow[] {
  const share = reachabilityShare(m, s);
  return [
    {
      path: 'reachability probing, MP CPU at the default schedule',
      baseline: 'the MP CPU of heartbeat + policy at the default interval',
      ratio: share.cpu,
      target: { atMost: COST_BAR },
      note: `${m.roundCpuMicros.toFixed(0)} µs per round vs ${m.normalCpuMicros.toFixed(0)} µs per request; ${(share.fullCpu * 100).toFixed(2)} % if every round connected to every port`,
    },
    {
      path: 'reachability probing, MP requests at the default schedule',
      baseline: 'heartbeat + policy requests at the default interval',
      ratio: share.requests,
      target: { atMost: COST_BAR },
      note: `one report per ${((1 - s.spread / 2) * s.probeIntervalSeconds).toFixed(0)} s vs ${s.requestsPerInterval} per ${s.policyIntervalSeconds} s`,
    },
  ];
}
