import type { Policy, ReachabilityCandidate, ReachabilityResult } from '@siteport/protocol';
import type { Logger } from 'pino';
import { runProbes } from './probe-run.js';
import { ProbeSchedule } from './probe-schedule.js';
import { DEFAULT_PROBE_INTERVAL_SECONDS, probeTargets } from './probe-targets.js';

/** What one probe run needs from the agent. */
interface ProbeRunContext {
  policy: Pick<Policy, 'ports' | 'reachability'>;
  /** The MP host the agent uses first. */
  host: string | undefined;
  caPem: string | undefined;
  timeoutMs: number;
  /** Ports of `host` the agent used moments ago (see {@link runProbes}): tested without a new connection. */
  reached?: readonly ReachabilityCandidate[];
  /** Sends the report over the client's authenticated channel. */
  send: (results: ReachabilityResult[]) => Promise<void>;
}

/**
 * The agent's slow reachability probing (decision 0109): on the schedule policy sets (every 6 hours
 * by default), tests each MP port in parallel and reports the results. Runs inside the check-in
 * cycle, so it needs no timer of its own; a failed run waits for the next period like a good one.
 */
export class ReachabilityProber {
  private readonly schedule: ProbeSchedule;

  constructor(
    private readonly log: Logger,
    random: () => number = Math.random,
  ) {
    this.schedule = new ProbeSchedule(random);
  }

  /** Probes and reports when due; resolves with the results sent, or null when nothing was due. */
  async maybeRun(ctx: ProbeRunContext, now = Date.now()): Promise<ReachabilityResult[] | null> {
    const intervalMs = (ctx.policy.reachability?.intervalSeconds ?? DEFAULT_PROBE_INTERVAL_SECONDS) * 1000;
    if (ctx.host === undefined || !this.schedule.due(now, intervalMs)) return null;
    this.schedule.ran(now);
    const host = ctx.host;
    const results = await runProbes(host, probeTargets(ctx.policy), ctx.reached ?? [], {
      caPem: ctx.caPem,
      timeoutMs: ctx.timeoutMs,
    });
    await ctx.send(results);
    this.log.info({ results: results.map((r) => `${r.port}/${r.transport}:${r.outcome}`) }, 'reported reachability');
    return results;
  }
}
