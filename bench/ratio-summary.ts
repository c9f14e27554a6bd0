// The one table `npm run bench` ends with: every path that ran, as a ratio to a bare baseline
// measured in the same run on the same machine, with its target. A missed target makes the
// command exit 1 (it is not part of `npm test`).

/** A target on a ratio: at least or at most a value. */
export type RatioTarget = { atLeast: number } | { atMost: number };

export interface RatioRow {
  path: string;
  /** What the ratio divides by, measured in the same run. */
  baseline: string;
  ratio: number;
  target: RatioTarget;
  /** What else the row says (the absolute figures behind the ratio). */
  note?: string;
}

export function meets(row: RatioRow): boolean {
  if (!Number.isFinite(row.ratio)) return false;
  return 'atLeast' in row.target ? row.ratio >= row.target.atLeast : row.ratio <= row.target.atMost;
}

/** Two decimals; a small ratio (a share of a few per cent or less) with two significant digits instead. */
function ratioText(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'not reached';
  return Math.abs(ratio) < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2);
}

function targetText(target: RatioTarget): string {
  return 'atLeast' in target ? `≥ ${target.atLeast} ×` : `≤ ${target.atMost} ×`;
}

/** The rows of the parts that ran; `print` writes the table and says which targets were missed. */
export class RatioSummary {
  private readonly rows: RatioRow[] = [];

  add(row: RatioRow): void {
    this.rows.push(row);
  }

  get missed(): RatioRow[] {
    return this.rows.filter((row) => !meets(row));
  }

  /** The markdown table; nothing when no part with a ratio ran. */
  lines(): string[] {
    if (this.rows.length === 0) return [];
    return [
      '',
      '## Ratios to the bare floor, this run',
      '',
      '| path | bare baseline (same run) | ratio | target | met | figures |',
      '|---|---|---:|---|---|---|',
      ...this.rows.map(
        (row) =>
          `| ${row.path} | ${row.baseline} | ${ratioText(row.ratio)} | ${targetText(row.target)} | ${meets(row) ? 'yes' : '**no**'} | ${row.note ?? ''} |`,
      ),
      '',
      this.missed.length === 0
        ? `All ${this.rows.length} ratios met their targets.`
        : `${this.missed.length} of ${this.rows.length} ratios missed their targets: ${this.missed.map((row) => row.path).join('; ')}.`,
    ];
  }
}
