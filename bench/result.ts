/**
 * One line of the benchmark summary: our figure against the PostgreSQL (or system) tool's
 * on the same work in the same run. `ratio` is ours / anchor for times (lower is better).
 */
export interface BenchRow {
  readonly work: string;
  readonly ours: string;
  readonly anchorName: string;
  readonly anchor: string;
  readonly ratio: number;
  /** The target for the ratio: pass when ratio <= target. */
  readonly target: number;
  /** Extra figures worth printing (MB/s, peak RSS, segments/s). */
  readonly notes?: string;
  /** A second target that is not a ratio, e.g. peak RSS; pass needs it too. */
  readonly extraPass?: boolean;
}

export const passed = (row: BenchRow): boolean => row.ratio <= row.target && row.extraPass !== false;

/** Median of a sample (benchmarks compare medians so one slow round does not decide). */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new Error('median of no values');
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
