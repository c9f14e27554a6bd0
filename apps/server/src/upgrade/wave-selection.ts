import { createHash } from 'node:crypto';

/**
 * A client's place in an upgrade's order: the first 48 bits of SHA-256(upgrade id, client id).
 * The same client and upgrade always give the same place, on every server process, and a new
 * upgrade shuffles the fleet anew, so the same machines are not always the canaries.
 */
export function wavePlace(upgradeId: string, clientId: string): number {
  return createHash('sha256').update(`${upgradeId}\n${clientId}`).digest().readUIntBE(0, 6);
}

/** How many of `total` clients the canary wave takes: `percent` of them rounded up, at least one when any. */
export function canarySize(total: number, percent: number): number {
  if (total <= 0 || percent <= 0) return 0;
  return Math.min(total, Math.max(1, Math.ceil((total * percent) / 100)));
}

/**
 * Splits the clients an upgrade targets into the canary wave and the rest, deterministically by
 * client id ({@link wavePlace}; ties, which need equal 48-bit hashes, by client id).
 */
export function selectWaves(
  upgradeId: string,
  clientIds: readonly string[],
  canaryPercent: number,
): { canary: string[]; rest: string[] } {
  const ordered = [...new Set(clientIds)]
    .map((id) => ({ id, place: wavePlace(upgradeId, id) }))
    .sort((a, b) => a.place - b.place || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((entry) => entry.id);
  const size = canarySize(ordered.length, canaryPercent);
  return { canary: ordered.slice(0, size), rest: ordered.slice(size) };
}
