/**
 * The per-tenant token bucket: a tenant may start `burst` requests at once and `ratePerSecond`
 * on average. Pure functions over an immutable value, so the arithmetic is tested without a
 * gate and the gate owns the only mutable reference (no module-level state).
 *
 * Why a bucket on top of the concurrency share: the share bounds how much of the database a
 * tenant holds at once, but cheap requests at a very high rate still cost the application's
 * CPU (parsing, tenant resolution, serialisation) on the same cores the database uses. The
 * bucket bounds the request rate itself and gives the client an honest Retry-After.
 */

/** A bucket's level at a moment. */
export interface TokenBucket {
  /** Tokens available at `updatedAt`, fractional, at most the burst. */
  readonly tokens: number;
  /** Clock time (ms) of the last refill. */
  readonly updatedAt: number;
}

/** A bucket's refill rate and capacity. */
export interface BucketRate {
  /** Tokens added per second; > 0. */
  readonly ratePerSecond: number;
  /** Capacity; >= 1 so a single request can always pass on a full bucket. */
  readonly burst: number;
}

/** The outcome of {@link takeToken}. */
export interface TakeResult {
  /** The bucket after the attempt (refilled, and drained by one when taken). */
  readonly bucket: TokenBucket;
  /** True when a token was taken. */
  readonly taken: boolean;
  /** When not taken: milliseconds until one whole token is available; else 0. */
  readonly retryAfterMs: number;
}

/** A full bucket at `now`: a tenant seen for the first time may use its whole burst. */
export function fullBucket(rate: BucketRate, now: number): TokenBucket {
  return { tokens: rate.burst, updatedAt: now };
}

/**
 * The bucket's level at `now`: tokens accrue linearly with elapsed time, capped at the burst.
 * A clock that goes backwards adds nothing (and moves `updatedAt` back, so nothing is lost).
 */
export function refill(bucket: TokenBucket, rate: BucketRate, now: number): TokenBucket {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(rate.burst, bucket.tokens + (elapsed * rate.ratePerSecond) / 1000);
  return { tokens, updatedAt: now };
}

/** Tolerance for float rounding, far below anything a clock in milliseconds can express. */
const EPSILON = 1e-9;

/**
 * Refills at `now`, then takes one token if a whole one is there. A refused attempt returns
 * the bucket unchanged: refilling it would add one rounding error per poll, and a client
 * that polls, then comes back exactly at its Retry-After, must find its token there.
 */
export function takeToken(bucket: TokenBucket, rate: BucketRate, now: number): TakeResult {
  const level = refill(bucket, rate, now);
  if (level.tokens >= 1 - EPSILON) {
    return { bucket: { tokens: Math.max(0, level.tokens - 1), updatedAt: now }, taken: true, retryAfterMs: 0 };
  }
  const retryAfterMs = ((1 - level.tokens) * 1000) / rate.ratePerSecond;
  return { bucket, taken: false, retryAfterMs };
}

/**
 * Milliseconds as a Retry-After header value: whole seconds, rounded up (a client that comes
 * back exactly then must succeed), and at least 1 (0 invites an immediate retry storm).
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
