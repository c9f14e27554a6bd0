import type { NotifyClientResult, NotifyOutcome } from '@siteport/protocol';

const RANK: Record<NotifyOutcome, number> = { acknowledged: 4, failed: 4, timeout: 3, offline: 1, 'unknown-client': 0 };

/**
 * One result per client from the results of several MPs: the MP that holds a client's channel
 * reports what happened there, the others report it offline, so the most telling outcome wins
 * (an answer over a timeout over offline). Order: the first time each client appears.
 */
export function mergeResults(results: readonly NotifyClientResult[]): NotifyClientResult[] {
  const best = new Map<string, NotifyClientResult>();
  for (const result of results) {
    const seen = best.get(result.clientId);
    if (seen === undefined || RANK[result.outcome] > RANK[seen.outcome]) best.set(result.clientId, result);
  }
  return [...best.values()];
}
