// Several runs of one measurement reported as one: each numeric field the median of the runs
// (a single push's latency and CPU move by a third between runs on a shared machine).

/** The median of each listed numeric field over `runs`; every other field as in the first run. */
export function medianRun<T extends object>(runs: readonly T[], fields: readonly (keyof T)[]): T {
  if (runs.length === 0) throw new Error('no runs to take the median of');
  const out = { ...runs[0]! };
  for (const field of fields) {
    const values = runs.map((r) => r[field] as unknown as number).sort((a, b) => a - b);
    const mid = values.length >> 1;
    const median = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
    (out as Record<keyof T, unknown>)[field] = median;
  }
  return out;
}
