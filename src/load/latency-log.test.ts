import { describe, expect, it } from 'vitest';
import { histogram, LatencyLog, percentile, summarize } from './latency-log.mjs';

describe('latency log', () => {
  it('takes nearest-rank percentiles, exact to the microsecond', () => {
    const log = new LatencyLog();
    // 1..2000 µs in a scrambled order, past the initial capacity of 1024.
    for (let i = 0; i < 2000; i++) log.add(((i * 7919) % 2000) + 1);
    expect(summarize(log)).toEqual({ count: 2000, p50: 1000, p95: 1900, p99: 1980, p999: 1998, max: 2000, mean: 1001 });
    const sorted = log.sorted();
    expect(percentile(sorted, 0.5)).toBe(1000);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 1)).toBe(2000);
  });

  it('keeps sub-millisecond values and rounds only the summary', () => {
    const log = new LatencyLog();
    for (const us of [412.4, 498.6, 530.2]) log.add(us);
    expect(summarize(log)).toEqual({ count: 3, p50: 499, p95: 530, p99: 530, p999: 530, max: 530, mean: 480 });
  });

  it('summarizes nothing as zeros and refuses values that are not latencies', () => {
    expect(summarize(new LatencyLog())).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 });
    expect(() => new LatencyLog().add(Number.NaN)).toThrow(RangeError);
    expect(() => new LatencyLog().add(-1)).toThrow(RangeError);
  });

  it('buckets latencies ten to a decade, counting every value once', () => {
    // 0.5 µs → bucket 0; 100 µs is the first value of bucket 20; 125.8 µs is still 20 (10^2.1 ≈ 125.89).
    expect(histogram([0.5, 100, 125.8, 126, 1000, 1000, 999_999])).toEqual([
      { k: 0, count: 1 },
      { k: 20, count: 2 },
      { k: 21, count: 1 },
      { k: 30, count: 2 },
      { k: 59, count: 1 },
    ]);
    expect(histogram([])).toEqual([]);
  });
});
