// The regression guard's baseline (bench/baseline.json): the last recorded ratio of each guarded
// path, and the comparison that fails a ratio that got more than the tolerance worse than it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Which way a ratio is better: throughput ratios are better higher, memory ratios lower. */
export type Better = 'higher' | 'lower';

export interface GuardedRatio {
  /** Stable key in baseline.json. */
  key: string;
  /** What it measures, for the table. */
  path: string;
  better: Better;
  ratio: number;
  /** The absolute figures behind the ratio. */
  note: string;
}

export interface Baseline {
  /** When the ratios were recorded (ISO 8601, UTC). */
  recorded: string;
  /** The command that recorded them. */
  command: string;
  /** The machine they were recorded on (CPU count and model, Node version). */
  machine: string;
  /** How much worse than recorded a ratio may get before the guard fails, as a fraction. */
  tolerance: number;
  ratios: Record<string, number>;
}

export type Verdict = 'ok' | 'worse' | 'new';

export interface Comparison {
  measured: GuardedRatio;
  recorded: number | undefined;
  /** The worst value that still passes. */
  limit: number | undefined;
  verdict: Verdict;
}

/** Compares one measured ratio with its recorded value. A ratio with no recorded value is `new`, not a failure. */
export function compare(measured: GuardedRatio, baseline: Baseline): Comparison {
  const recorded = baseline.ratios[measured.key];
  if (recorded === undefined) return { measured, recorded, limit: undefined, verdict: 'new' };
  const limit =
    measured.better === 'higher' ? recorded * (1 - baseline.tolerance) : recorded * (1 + baseline.tolerance);
  const passes = measured.better === 'higher' ? measured.ratio >= limit : measured.ratio <= limit;
  return { measured, recorded, limit, verdict: Number.isFinite(measured.ratio) && passes ? 'ok' : 'worse' };
}

function isBaseline(value: unknown): value is Baseline {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Record<string, unknown>;
  const ratios = b.ratios;
  return (
    typeof b.recorded === 'string' &&
    typeof b.command === 'string' &&
    typeof b.machine === 'string' &&
    typeof b.tolerance === 'number' &&
    b.tolerance > 0 &&
    b.tolerance < 1 &&
    typeof ratios === 'object' &&
    ratios !== null &&
    Object.values(ratios).every((r) => typeof r === 'number' && Number.isFinite(r) && r > 0)
  );
}

/** Reads baseline.json; a file that is not a baseline is an error that says how to make one. */
export function readBaseline(file: string): Baseline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `cannot read the guard baseline ${file} (${(error as Error).message}); record one with npm run bench:guard -- --record`,
      { cause: error },
    );
  }
  if (!isBaseline(parsed))
    throw new Error(
      `${file} is not a guard baseline (recorded, command, machine, tolerance between 0 and 1, ratios of positive numbers); record one with npm run bench:guard -- --record`,
    );
  return parsed;
}

/** Writes a new baseline next to the old one and renames it over, so a failed write leaves the old file. */
export function writeBaseline(file: string, baseline: Baseline): void {
  const temp = `${file}.partial`;
  writeFileSync(temp, `${JSON.stringify(baseline, null, 2)}\n`);
  renameSync(temp, file);
}

/** The guard's markdown table. */
export function guardLines(comparisons: readonly Comparison[], tolerance: number): string[] {
  const f = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));
  return [
    `| path | better | recorded | limit (${Math.round(tolerance * 100)} % worse) | measured | verdict | figures |`,
    '|---|---|---:|---:|---:|---|---|',
    ...comparisons.map(
      (c) =>
        `| ${c.measured.path} | ${c.measured.better} | ${f(c.recorded)} | ${f(c.limit)} | ${f(c.measured.ratio)} | ${c.verdict === 'worse' ? '**worse**' : c.verdict} | ${c.measured.note} |`,
    ),
  ];
}
