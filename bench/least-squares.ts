/** Least-squares slope of y over x (NaN when every x is the same): RSS per client over connected clients. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}
