/** Types of latency-log.mjs (plain JavaScript, shared with the load child). */

/** A growable list of latencies in µs. */
export declare class LatencyLog {
  /** Adds one latency (µs); non-finite or negative values are refused. */
  add(us: number): void;
  /** The latencies so far, sorted ascending (a copy). */
  sorted(): Float64Array;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export declare function percentile(sorted: ArrayLike<number>, p: number): number;

/** count, p50, p95, p99, p999, max and mean, rounded to whole µs (all 0 for no values). */
export declare function summarize(log: LatencyLog): {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
};

/** Counts per log bucket, ten to a decade (bucket k: [10^(k/10), 10^((k+1)/10)) µs); non-empty buckets, ascending. */
export declare function histogram(sorted: ArrayLike<number>): { k: number; count: number }[];
