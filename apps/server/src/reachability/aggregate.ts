import type { ReachabilityCell, ReachabilityCellState } from '@siteport/protocol';

/** A group of stored results: how many clients of one subnet had one outcome class for one port, and the newest. */
export interface ResultGroup {
  subnet: string;
  port: number;
  /** One of REACHABILITY_OUTCOMES. */
  outcome: string;
  /** Whether the group's results are older than the stale limit. */
  stale: boolean;
  clients: number;
  lastSeen: string;
}

/** Whether an outcome counts as reachable (every other outcome counts as blocked). */
export function isReachable(outcome: string): boolean {
  return outcome === 'reachable';
}

function stateOf(reachable: number, blocked: number): ReachabilityCellState {
  if (reachable > 0 && blocked > 0) return 'mixed';
  if (reachable > 0) return 'reachable';
  if (blocked > 0) return 'blocked';
  return 'not-tested';
}

/**
 * Folds result groups into the matrix: one row per subnet, one cell per wanted port. A cell counts
 * fresh results as reachable or blocked and stale ones apart; a cell with no fresh result is
 * `not-tested`, whatever stale results it has (they are shown, never trusted).
 */
export function aggregate(
  groups: readonly ResultGroup[],
  ports: readonly number[],
): { subnet: string; cells: ReachabilityCell[] }[] {
  const bySubnet = new Map<string, Map<number, ReachabilityCell>>();
  for (const g of groups) {
    let cells = bySubnet.get(g.subnet);
    if (cells === undefined) {
      cells = new Map(ports.map((port) => [port, emptyCell(port)]));
      bySubnet.set(g.subnet, cells);
    }
    const cell = cells.get(g.port);
    if (cell === undefined) continue;
    if (g.stale) cell.stale += g.clients;
    else if (isReachable(g.outcome)) cell.reachable += g.clients;
    else cell.blocked += g.clients;
    if (cell.lastSeen === null || g.lastSeen > cell.lastSeen) cell.lastSeen = g.lastSeen;
  }
  return [...bySubnet.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subnet, cells]) => ({
      subnet,
      cells: ports.map((port) => {
        const cell = cells.get(port) ?? emptyCell(port);
        return { ...cell, state: stateOf(cell.reachable, cell.blocked) };
      }),
    }));
}

function emptyCell(port: number): ReachabilityCell {
  return { port, state: 'not-tested', reachable: 0, blocked: 0, stale: 0, lastSeen: null };
}

/** One client's standing for one port, as `ports plan` counts it. */
export type ClientStanding = 'reachable' | 'blocked' | 'unknown';

/** A client's standing from its latest result for a port (none, or older than `staleBefore`, is unknown). */
export function standing(
  result: { outcome: string; testedAt: string } | undefined,
  staleBefore: string,
): ClientStanding {
  if (result === undefined || result.testedAt < staleBefore) return 'unknown';
  return isReachable(result.outcome) ? 'reachable' : 'blocked';
}

/** Counts per subnet, largest first, then by subnet. */
export function countBySubnet(subnets: readonly string[]): { subnet: string; clients: number }[] {
  const counts = new Map<string, number>();
  for (const s of subnets) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()]
    .map(([subnet, clients]) => ({ subnet, clients }))
    .sort((a, b) => b.clients - a.clients || (a.subnet < b.subnet ? -1 : 1));
}
