import { describe, expect, it } from 'vitest';
import { fullBucket, refill, retryAfterSeconds, takeToken } from './token-bucket.ts';

const rate = { ratePerSecond: 2, burst: 3 };

describe('token bucket', () => {
  it('starts full and allows the burst at once, then refuses', () => {
    let bucket = fullBucket(rate, 0);
    const taken = [1, 2, 3, 4].map(() => {
      const r = takeToken(bucket, rate, 0);
      bucket = r.bucket;
      return r.taken;
    });
    expect(taken).toEqual([true, true, true, false]);
  });

  it('refills linearly with elapsed time, capped at the burst', () => {
    const empty = { tokens: 0, updatedAt: 1_000 };
    expect(refill(empty, rate, 1_250).tokens).toBe(0.5);
    expect(refill(empty, rate, 1_000_000).tokens).toBe(3);
    expect(refill(empty, rate, 500).tokens).toBe(0); // a clock that went back adds nothing
  });

  it('says how long until one whole token', () => {
    const r = takeToken({ tokens: 0.5, updatedAt: 0 }, rate, 0);
    expect(r).toEqual({ bucket: { tokens: 0.5, updatedAt: 0 }, taken: false, retryAfterMs: 250 });
  });

  it('has the token ready exactly at the promised time however often it was polled', () => {
    const slow = { ratePerSecond: 3, burst: 1 };
    let bucket = takeToken(fullBucket(slow, 0), slow, 0).bucket;
    for (let t = 1; t < 333; t += 7) bucket = takeToken(bucket, slow, t).bucket;
    expect(takeToken(bucket, slow, 1_000 / 3).taken).toBe(true);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect([0, 1, 999, 1_000, 1_001, 4_500].map(retryAfterSeconds)).toEqual([1, 1, 1, 1, 2, 5]);
  });
});
