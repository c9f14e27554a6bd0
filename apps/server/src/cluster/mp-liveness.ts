import type { MpLiveness } from '@siteport/protocol';

/**
 * Liveness of a registry row: a stopped MP said so itself; a running one is dead once its last
 * heartbeat is older than `staleAfterMs` (killed, crashed, or cut off from the database).
 * Heartbeats are stamped with the writer's clock, so MP hosts keep their clocks in sync (NTP),
 * as signed client requests already require.
 */
export function mpLiveness(
  row: { state: 'running' | 'stopped'; lastSeenAt: string },
  nowMs: number,
  staleAfterMs: number,
): MpLiveness {
  if (row.state === 'stopped') return 'stopped';
  const seen = Date.parse(row.lastSeenAt);
  return Number.isNaN(seen) || nowMs - seen > staleAfterMs ? 'dead' : 'running';
}

/**
 * The host names clients may use, from the registry rows: live MPs only, the site server's own
 * MP first, then by start time; each host once.
 */
export function liveHosts(
  rows: readonly {
    host: string;
    bindAddress?: string;
    role: 'site' | 'mp';
    state: 'running' | 'stopped';
    lastSeenAt: string;
  }[],
  nowMs: number,
  staleAfterMs: number,
): string[] {
  const live = rows.filter((r) => mpLiveness(r, nowMs, staleAfterMs) === 'running');
  const ordered = [...live.filter((r) => r.role === 'site'), ...live.filter((r) => r.role !== 'site')];
  return [...new Set(ordered.flatMap(entryHosts))];
}

/**
 * The hosts one registry entry stands for: its host, or, when the host is one of its specific bind
 * addresses (`127.0.0.1,::1`; no `--public-host` was given), every bind address of the entry.
 */
function entryHosts(row: { host: string; bindAddress?: string }): readonly string[] {
  const addresses = row.bindAddress?.split(',') ?? [];
  return addresses.includes(row.host) ? addresses : [row.host];
}
