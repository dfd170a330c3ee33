// Raw latencies of one load run, in microseconds, and their exact summary. Raw values, not a
// histogram: a victim's p50 is near half a millisecond, so percentiles must be exact to the
// microsecond, and even a closed-loop aggressor's few hundred thousand values fit in a few MB.
// Plain JavaScript: the load child imports it without a TypeScript loader (types beside it).

/** A growable list of latencies in µs. */
export class LatencyLog {
  #values = new Float64Array(1024);
  #count = 0;

  /** Adds one latency (µs); non-finite or negative values are refused. */
  add(us) {
    if (!Number.isFinite(us) || us < 0) throw new RangeError(`not a latency: ${us}`);
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = us;
  }

  /** The latencies so far, sorted ascending (a copy). */
  sorted() {
    return this.#values.slice(0, this.#count).sort();
  }
}

/**
 * Nearest-rank percentile of sorted values: the smallest value with at least `p` of all
 * values at or below it (so p99 of 200 values is the 198th). 0 for no values.
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length - 1e-9));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** count, p50, p95, p99, p999, max and mean, rounded to whole µs (all 0 for no values). */
export function summarize(log) {
  const sorted = log.sorted();
  const round = (value) => Math.round(value);
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    p999: round(percentile(sorted, 0.999)),
    max: round(sorted.length ? sorted[sorted.length - 1] : 0),
    mean: sorted.length ? round(sum / sorted.length) : 0,
  };
}

/**
 * Counts per log bucket, ten to a decade: bucket k holds latencies (µs) in
 * [10^(k/10), 10^((k+1)/10)); latencies under 1 µs go to bucket 0. Non-empty buckets only,
 * ascending; the counts add up to the number of values.
 */
export function histogram(sorted) {
  const buckets = [];
  for (const us of sorted) {
    const k = us < 1 ? 0 : Math.floor(10 * Math.log10(us) + 1e-9);
    const last = buckets[buckets.length - 1];
    if (last && last.k === k) last.count++;
    else buckets.push({ k, count: 1 });
  }
  return buckets;
}
