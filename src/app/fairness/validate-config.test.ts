import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../core/errors.ts';
import { defaultFairnessConfig, referencePlans, type FairnessConfig } from './config.ts';
import { createFairnessGate } from './create-fairness-gate.ts';
import { fairnessConfigProblems, validateFairnessConfig } from './validate-config.ts';

const thrown = (fn: () => unknown): HarnessError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof HarnessError) return e;
    throw e;
  }
  throw new Error('expected a HarnessError');
};

describe('fairness config', () => {
  it('rejects a broken config listing every problem with its path', () => {
    const base = defaultFairnessConfig(10, 2);
    const broken: FairnessConfig = {
      ...base,
      globalConcurrency: 0,
      sharedConcurrency: 1.5,
      rejectionJitter: 1,
      fallbackPlan: 'gold',
      plans: {
        ...base.plans,
        free: { ...base.plans['free']!, weight: 0, burst: 0, statementTimeoutMs: 0, maxQueueWaitMs: Number.NaN },
      },
    };
    const error = thrown(() => createFairnessGate(broken));
    expect(error.code).toBe('scenario-invalid');
    expect(error.message).toBe('fairness config is invalid (8 problems)');
    expect(error.problems).toEqual([
      'globalConcurrency: must be an integer >= 1 (got 0)',
      'sharedConcurrency: must be an integer >= 1 (got 1.5)',
      'rejectionJitter: must be a number from 0 up to (not including) 1 (got 1)',
      'plans.free.weight: must be a finite number > 0 (got 0)',
      'plans.free.burst: must be an integer >= 1 (got 0)',
      'plans.free.maxQueueWaitMs: must be a finite number >= 0 (got NaN)',
      'plans.free.statementTimeoutMs: must be an integer >= 1 (got 0)',
      'fallbackPlan: "gold" is not a configured plan (have: free, pro, enterprise)',
    ]);
  });

  it('accepts the defaults, configured for every reference plan', () => {
    const config = defaultFairnessConfig(10, 2);
    expect(fairnessConfigProblems(config)).toEqual([]);
    expect(Object.keys(config.plans)).toEqual([...referencePlans]);
  });

  it('sizes the defaults to the pool and the cores', () => {
    const config = defaultFairnessConfig(10, 2);
    expect(config).toMatchObject({ globalConcurrency: 9, sharedConcurrency: 2, maxGlobalQueued: 80, fallbackPlan: 'free' });
    expect(Object.values(config.plans).map((p) => [p.weight, p.maxConcurrent, p.statementTimeoutMs])).toEqual([
      [1, 1, 5_000],
      [2, 2, 15_000],
      [4, 2, 60_000],
    ]);
    expect(defaultFairnessConfig(1, 8)).toMatchObject({ globalConcurrency: 1, sharedConcurrency: 1 });
  });

  it('refuses impossible pool sizes and core counts', () => {
    expect(thrown(() => defaultFairnessConfig(0, 2.5)).problems).toEqual([
      'poolSize: must be an integer >= 1 (got 0)',
      'cores: must be an integer >= 1 (got 2.5)',
    ]);
  });

  it('allows a plan without a rate limit, and freezes what it accepts', () => {
    const base = defaultFairnessConfig(4, 2);
    const config = { ...base, plans: { ...base.plans, enterprise: { ...base.plans['enterprise']!, ratePerSecond: null, burst: 0 } } };
    const valid = validateFairnessConfig(config);
    expect(Object.isFrozen(valid) && Object.isFrozen(valid.plans['enterprise'])).toBe(true);
  });
});
