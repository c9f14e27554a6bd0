/** What became of the clients an upgrade offered its version to. */
export interface UpgradeCounts {
  offered: number;
  upgraded: number;
  failed: number;
  rolledBack: number;
}

/** Halt when more than this share of the offered clients failed or rolled back. @default 0.2 */
export const DEFAULT_FAILURE_THRESHOLD = 0.2;

/** Share of the offered clients that failed or rolled back (0 when none was offered). */
export function failureRate(counts: UpgradeCounts): number {
  return counts.offered === 0 ? 0 : (counts.failed + counts.rolledBack) / counts.offered;
}

/** Whether an upgrade's failures passed its threshold (strictly more than the share allowed). */
export function passesThreshold(counts: UpgradeCounts, threshold: number): boolean {
  return counts.offered > 0 && failureRate(counts) > threshold;
}

/** Whether every offered client has answered (upgraded, failed or rolled back). */
export function allAnswered(counts: UpgradeCounts): boolean {
  return counts.upgraded + counts.failed + counts.rolledBack >= counts.offered;
}
