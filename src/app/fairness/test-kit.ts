import type { FairnessConfig, PlanLimits } from './config.ts';
import type { Admission } from './tenant-state.ts';

/**
 * Helpers for the fairness tests (not shipped API): a small explicit config, a way to watch a
 * pending `admit()` without awaiting it, and a flush of pending promise continuations. No
 * real time is measured anywhere; the manual clock drives every deadline.
 */

/** A plan with no rate limit, generous queues and the given overrides. */
export function testPlan(overrides: Partial<PlanLimits> = {}): PlanLimits {
  return {
    weight: 1,
    maxConcurrent: 10,
    ratePerSecond: null,
    burst: 1,
    maxQueued: 100,
    maxQueueWaitMs: 10_000,
    statementTimeoutMs: null,
    ...overrides,
  };
}

/**
 * A config where only what a test sets binds: large budgets, no rejection delay, plans
 * free/pro/enterprise from {@link testPlan}.
 */
export function testConfig(overrides: Partial<FairnessConfig> = {}, plans: Record<string, Partial<PlanLimits>> = {}): FairnessConfig {
  return {
    globalConcurrency: 100,
    sharedConcurrency: 100,
    activeWindowMs: 1_000,
    maxGlobalQueued: 1_000,
    rejectionDelayMs: 0,
    fallbackPlan: 'free',
    plans: {
      free: testPlan(plans['free']),
      pro: testPlan({ weight: 2, ...plans['pro'] }),
      enterprise: testPlan({ weight: 4, ...plans['enterprise'] }),
    },
    ...overrides,
  };
}

/** A pending admission whose outcome can be read without awaiting it. */
export interface Tracked {
  /** `undefined` while pending. */
  readonly outcome: Admission | undefined;
  readonly admitted: boolean;
  readonly rejected: { status: 429 | 503; retryAfterSeconds: number } | undefined;
  /** Releases the slot; throws when the request was not admitted. */
  release(): void;
}

/** Watches `promise`; read it after {@link flush}. */
export function track(promise: Promise<Admission>): Tracked {
  let outcome: Admission | undefined;
  void promise.then((o) => {
    outcome = o;
  });
  return {
    get outcome() {
      return outcome;
    },
    get admitted() {
      return outcome !== undefined && 'release' in outcome;
    },
    get rejected() {
      return outcome !== undefined && 'reject' in outcome ? outcome.reject : undefined;
    },
    release() {
      if (outcome === undefined || !('release' in outcome)) throw new Error('release() on a request that holds no slot');
      outcome.release();
    },
  };
}

/** Lets every pending promise continuation run (a macrotask drains the microtask queue). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A signal that never aborts. */
export function never(): AbortSignal {
  return new AbortController().signal;
}
