import { HarnessError } from '../../core/errors.ts';

/**
 * Fairness configuration: global budgets plus one set of limits per plan. The plan names are
 * the codes of fixtures/reference/schema.sql's `plans` table; any plan name works, and a
 * tenant whose plan is not configured gets `fallbackPlan` (the strictest by default), so an
 * unexpected plan code can never mean "unlimited".
 */

/** The plans of the reference schema, cheapest first. */
export const referencePlans = ['free', 'pro', 'enterprise'] as const;

/** Limits for every tenant on one plan. */
export interface PlanLimits {
  /** Share of the shared budget when tenants contend, relative to other plans; > 0. */
  readonly weight: number;
  /** Hard cap on one tenant's concurrent database work, contended or not; integer >= 1. */
  readonly maxConcurrent: number;
  /** Token-bucket refill rate in requests per second; `null` for no rate limit. */
  readonly ratePerSecond: number | null;
  /** Token-bucket capacity (requests allowed at once on a full bucket); integer >= 1. */
  readonly burst: number;
  /** Requests of one tenant allowed to wait for a slot; beyond that, 429. Integer >= 0. */
  readonly maxQueued: number;
  /** Longest a request may wait for a slot before it is turned away; ms >= 0. */
  readonly maxQueueWaitMs: number;
  /** `statement_timeout` for the tenant's transactions in ms; `null` for none. */
  readonly statementTimeoutMs: number | null;
  /**
   * A second token bucket for heavy requests only (reports, searches), in requests per second
   * with a burst of twice that; absent or `null`: no separate limit. Expensive endpoints get
   * their own, much lower rate, as most SaaS APIs do.
   */
  readonly heavyRatePerSecond?: number | null;
  /**
   * Heavy requests the bucket admits back to back (default: twice the heavy rate). Small keeps
   * heavy work smooth: a flood's opening burst of reports would otherwise run end to end
   * while quiet tenants wait for the cores.
   */
  readonly heavyBurst?: number;
}

/** Configuration of {@link createFairnessGate}; see `defaultFairnessConfig`. */
export interface FairnessConfig {
  /** Requests holding a database slot at once, all tenants together; <= the pool size. */
  readonly globalConcurrency: number;
  /**
   * The budget that active tenants split by weight: a tenant may hold at most
   * `max(1, floor(sharedConcurrency × weight / Σ active weights))` slots (and its plan's
   * `maxConcurrent`). Sized to CPU cores, because heavy queries are CPU-bound and beyond the
   * core count they only slow everyone down.
   */
  readonly sharedConcurrency: number;
  /**
   * Heavy requests holding a slot at once, all tenants together (default: no separate cap).
   * Below the core count, so heavy work can never take every core from light work.
   */
  readonly heavyConcurrency?: number;
  /**
   * While other tenants are active, the fraction of time heavy work may run (0 < x ≤ 1; default
   * 1: no limit): after a heavy request of d ms, heavy work pauses for d × (1/x − 1). A latency
   * tail needs idle CPU, and a work-conserving share gives a heavy tenant all of it.
   */
  readonly heavyDutyCycle?: number;
  /** A tenant counts as active (and shrinks others' shares) this long after its last request. */
  readonly activeWindowMs: number;
  /** Requests waiting, all tenants together; beyond that the longest queue loses one (503). */
  readonly maxGlobalQueued: number;
  /** Rejections made on arrival resolve after this delay (ms), so a flood slows itself down. */
  readonly rejectionDelayMs: number;
  /**
   * Spread of the rejection delay, 0 ≤ x < 1 (default 0: exact): each delay is drawn from
   * rejectionDelayMs × [1 − x, 1 + x), deterministically evenly spread. A closed-loop flood
   * rejected together comes back together, every delay, as a burst that stalls the event
   * loop for everyone; spread delays break the lockstep.
   */
  readonly rejectionJitter?: number;
  /** The plan applied to a tenant whose plan is not in `plans`. */
  readonly fallbackPlan: string;
  /** Limits by plan code. */
  readonly plans: Readonly<Record<string, PlanLimits>>;
}

/**
 * Defaults for a database pool of `poolSize` connections on a machine with `cores` CPU cores
 * (e.g. `os.availableParallelism()`). See the module header (index.ts) for the reasoning.
 *
 * - `globalConcurrency`: poolSize − 1, keeping one connection for work outside the gate
 *   (tenant lookup, health checks) so it never queues behind admitted requests in the pool's
 *   tenant-blind FIFO.
 * - `sharedConcurrency`: cores; `heavyConcurrency`: max(1, ⌊cores / 2⌋), so heavy requests
 *   (reports, searches) always leave at least half the cores to light ones — on 2 cores, one
 *   heavy query at a time for the whole app; `heavyDutyCycle`: 0.25; `activeWindowMs`: 5 s;
 *   `rejectionDelayMs`: 1 s ± 50% (`rejectionJitter` 0.5);
 *   `maxGlobalQueued`: 8 × poolSize (at least 16); `fallbackPlan`: free.
 * - free: weight 1, concurrency max(1, ⌊cores/2⌋), 50 req/s burst 100, queue 8 for ≤ 2 s,
 *   statement timeout 5 s. pro: weight 2, concurrency cores, 200/s burst 400, queue 32 for
 *   ≤ 5 s, 15 s. enterprise: weight 4, concurrency cores, 1000/s burst 2000, queue 64 for
 *   ≤ 10 s, 60 s. Heavy requests: free 2/s, pro 5/s, enterprise 10/s, in bursts of 1, 1 and 2.
 */
export function defaultFairnessConfig(poolSize: number, cores: number): FairnessConfig {
  const problems: string[] = [];
  if (!Number.isInteger(poolSize) || poolSize < 1) problems.push(`poolSize: must be an integer >= 1 (got ${poolSize})`);
  if (!Number.isInteger(cores) || cores < 1) problems.push(`cores: must be an integer >= 1 (got ${cores})`);
  if (problems.length > 0) {
    throw new HarnessError('scenario-invalid', 'cannot derive fairness defaults', {
      problems,
      hint: 'pass the database pool size and os.availableParallelism()',
    });
  }
  const globalConcurrency = poolSize > 1 ? poolSize - 1 : 1;
  return {
    globalConcurrency,
    sharedConcurrency: Math.min(cores, globalConcurrency),
    heavyConcurrency: Math.min(globalConcurrency, Math.max(1, Math.floor(cores / 2))),
    heavyDutyCycle: 0.25,
    activeWindowMs: 5_000,
    maxGlobalQueued: Math.max(16, 8 * poolSize),
    rejectionDelayMs: 1_000,
    rejectionJitter: 0.5,
    fallbackPlan: 'free',
    plans: {
      free: plan(1, Math.max(1, Math.floor(cores / 2)), 50, 8, 2_000, 5_000, 2, 1),
      pro: plan(2, cores, 200, 32, 5_000, 15_000, 5, 1),
      enterprise: plan(4, cores, 1_000, 64, 10_000, 60_000, 10, 2),
    },
  };
}

function plan(weight: number, maxConcurrent: number, rate: number, maxQueued: number, waitMs: number, timeoutMs: number, heavyRate: number, heavyBurst: number): PlanLimits {
  return {
    weight,
    maxConcurrent,
    ratePerSecond: rate,
    burst: 2 * rate,
    maxQueued,
    maxQueueWaitMs: waitMs,
    statementTimeoutMs: timeoutMs,
    heavyRatePerSecond: heavyRate,
    heavyBurst,
  };
}
