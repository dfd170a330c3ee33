import { describe, expect, it } from 'vitest';
import { loadSample } from '../../test/helpers/load-samples.ts';
import type { LoadSample } from './driver.ts';
import { defaultLoadBudgets, degradationRatio, edgePoint, jainIndex, judgeStep, pooledPercentile, pooledRatio, summarizeRepeats, type LoadBudgets } from './judge.ts';

/** A victim sample with fixed numbers: 1000 sent and answered, p99 as given. */
function victim(label: string, p99: number, over: Partial<LoadSample> = {}, latency: Partial<LoadSample['latencyUs']> = {}): LoadSample {
  return loadSample(label, { count: 1000, p50: 500, p95: 800, p99: p99, p999: p99 * 2, max: p99 * 3, mean: 550, ...latency }, over);
}
const budgets = defaultLoadBudgets;
const step = (alone: LoadSample[], contended: LoadSample[], fairness = true, b: LoadBudgets = budgets) => judgeStep({ victims: { alone, contended }, fairness, budgets: b });

describe('jainIndex', () => {
  it('is 1 for equal shares, 1/n when one takes all, and in between otherwise', () => {
    expect(jainIndex([3, 3, 3])).toBe(1);
    expect(jainIndex([10, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([1, 3])).toBe(0.8); // 16 / (2 · 10)
  });
  it('is 1 for no values and for all zero; NaN for NaN, infinite or negative values', () => {
    expect(jainIndex([])).toBe(1);
    expect(jainIndex([0, 0])).toBe(1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1]) expect(jainIndex([1, bad])).toBeNaN();
  });
});

describe('degradationRatio', () => {
  it('divides, and guards a zero baseline', () => {
    expect(degradationRatio(1500, 500)).toBe(3);
    expect(degradationRatio(0, 0)).toBe(1);
    expect(degradationRatio(10, 0)).toBe(Number.POSITIVE_INFINITY);
  });
  it('is NaN for NaN, infinite or negative inputs', () => {
    expect(degradationRatio(Number.NaN, 500)).toBeNaN();
    expect(degradationRatio(500, Number.NaN)).toBeNaN();
    expect(degradationRatio(Number.POSITIVE_INFINITY, 500)).toBeNaN();
    expect(degradationRatio(-1, 500)).toBeNaN();
  });
});

describe('summarizeRepeats', () => {
  it('takes the median of odd and even counts, and the spread around it', () => {
    expect(summarizeRepeats([900, 1000, 1300])).toEqual({ median: 1000, min: 900, max: 1300, spread: 0.4 });
    expect(summarizeRepeats([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, spread: 1.2 });
    expect(summarizeRepeats([7])).toEqual({ median: 7, min: 7, max: 7, spread: 0 });
  });
  it('handles zero medians, no repeats and NaN repeats', () => {
    expect(summarizeRepeats([0, 0])).toEqual({ median: 0, min: 0, max: 0, spread: 0 });
    expect(summarizeRepeats([0, 0, 5])).toEqual({ median: 0, min: 0, max: 5, spread: Number.POSITIVE_INFINITY });
    expect(summarizeRepeats([])).toEqual({ median: Number.NaN, min: Number.NaN, max: Number.NaN, spread: Number.NaN });
    expect(summarizeRepeats([1, Number.NaN]).median).toBeNaN();
  });
});

describe('edgePoint', () => {
  it('is the lowest load at which any victim’s p99 exceeds the objective, in any order', () => {
    const steps = [
      { aggressorLoad: 400, victimP99Us: 3000 },
      { aggressorLoad: 100, victimP99Us: 900 },
      { aggressorLoad: 200, victimP99Us: 1000 }, // at the objective: not broken
      { aggressorLoad: 200, victimP99Us: 800 },
      { aggressorLoad: 300, victimP99Us: 1200 },
    ];
    expect(edgePoint(steps, 1000)).toBe(300);
    expect(edgePoint(steps, 5000)).toBeNull();
    expect(edgePoint([], 1000)).toBeNull();
  });
  it('skips unknown steps and refuses a NaN objective', () => {
    expect(edgePoint([{ aggressorLoad: 100, victimP99Us: Number.NaN }, { aggressorLoad: Number.NaN, victimP99Us: 9000 }, { aggressorLoad: 300, victimP99Us: 2000 }], 1000)).toBe(300);
    expect(edgePoint([{ aggressorLoad: 100, victimP99Us: 9000 }], Number.NaN)).toBeNull();
  });
});

describe('judgeStep', () => {
  const alone = [victim('v1', 1000), victim('v2', 1200)];

  it('passes victims within budgets, and fails a p99 ratio over budget with fairness on', () => {
    expect(step(alone, [victim('v1', 2000), victim('v2', 1300)])).toEqual({ verdict: 'pass', reasons: ['all 2 victims within budgets'] });
    expect(step(alone, [victim('v1', 2001), victim('v2', 1300)])).toEqual({
      verdict: 'fail',
      reasons: ['victim "v1": p99 2001 µs contended vs 1000 µs alone, ×2.00 (budget ×2)'],
    });
  });

  it('fails a failure rate at the budget, counting rejections; fairness off only describes it', () => {
    const hurt = [victim('v1', 1000, { errors: 4, rejected: 6, statuses: { '200': 990, '429': 6, '500': 4 } }), victim('v2', 1200)];
    const reason = 'victim "v1": 1.0% of requests failed under contention (budget < 1.0%; 4 errors, 6 rejected)';
    expect(step(alone, hurt)).toEqual({ verdict: 'fail', reasons: [reason] });
    expect(step(alone, hurt, false)).toEqual({ verdict: 'pass', reasons: ['fairness off: measured, not gated', reason] });
    expect(step(alone, [victim('v1', 1000, { errors: 9 }), victim('v2', 1200)]).verdict).toBe('pass');
  });

  it('is inconclusive, never a pass, with too few samples or too much omission', () => {
    expect(step(alone, [victim('v1', 1000, {}, { count: 199 }), victim('v2', 1200)])).toEqual({
      verdict: 'inconclusive',
      reasons: ['victim "v1" (contended): 199 latency samples, fewer than 200'],
    });
    expect(step([victim('v1', 1000, { omitted: 11 }), victim('v2', 1200)], [victim('v1', 1000), victim('v2', 1200)])).toEqual({
      verdict: 'inconclusive',
      reasons: ['victim "v1" (alone): 11 of 1000 sends omitted (over 1.0%): its connections stalled, so its latencies understate the wait'],
    });
    // Thin data also hides a degradation from fairness off, which is then inconclusive too.
    expect(step(alone, [victim('v1', 9000, {}, { count: 10 }), victim('v2', 1200)], false).verdict).toBe('inconclusive');
    // Closed-loop victims have no expectation, so nothing can be omitted.
    expect(step(alone, [victim('v1', 1000, { expected: null, omitted: 0 }), victim('v2', 1200)]).verdict).toBe('pass');
  });

  it('still fails a proven failure when another victim’s data is thin', () => {
    const result = step(alone, [victim('v1', 5000), victim('v2', 1200, {}, { count: 5 })]);
    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual(['victim "v1": p99 5000 µs contended vs 1000 µs alone, ×5.00 (budget ×2)', 'victim "v2" (contended): 5 latency samples, fewer than 200']);
  });

  it('fails a victim that got no answers at all, though it has no latencies', () => {
    const dead = victim('v1', 0, { completed: 0, errors: 1000, statuses: {} }, { count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 });
    const result = step(alone, [dead, victim('v2', 1200)]);
    expect(result.verdict).toBe('fail');
    expect(result.reasons[0]).toBe('victim "v1": 100.0% of requests failed under contention (budget < 1.0%; 1000 errors, 0 rejected)');
  });

  it('is inconclusive for missing victims, duplicates, an unhealthy baseline, NaN and bad budgets', () => {
    expect(step(alone, [])).toEqual({
      verdict: 'inconclusive',
      reasons: ['no victim was measured under contention', 'victim "v1" was not measured under contention', 'victim "v2" was not measured under contention'],
    });
    expect(step([victim('v1', 1000)], [victim('v1', 1000), victim('v3', 1000)]).reasons).toEqual(['victim "v3" has no baseline']);
    expect(step(alone, [victim('v1', 1000), victim('v1', 1000), victim('v2', 1200)]).reasons).toEqual(['victim "v1" appears twice in the contended run']);
    expect(step([victim('v1', 1000, { errors: 50 })], [victim('v1', 1000)]).reasons).toEqual(['victim "v1" fails 5.0% of its requests even alone: the baseline is not healthy']);
    expect(step([victim('v1', 1000)], [victim('v1', Number.NaN)])).toEqual({
      verdict: 'inconclusive',
      reasons: ['victim "v1": p99 ratio cannot be computed (p99 NaN µs contended, 1000 µs alone)'],
    });
    expect(step([victim('v1', 1000)], [victim('v1', 1000, { sent: 0 })]).reasons).toEqual(['victim "v1" (contended): 0 requests sent, fewer than 200']);
    expect(step(alone, alone, true, { ...budgets, victimP99Ratio: Number.NaN })).toEqual({ verdict: 'inconclusive', reasons: ['budgets are not usable numbers: victimP99Ratio=NaN'] });
  });
});

describe('pooled percentiles', () => {
  it('takes the nearest-rank percentile of every list together', () => {
    // 1..100 split unevenly over three lists: p99 is the 99th value, p50 the 50th.
    const lists = [Array.from({ length: 30 }, (_, i) => i + 1), Array.from({ length: 60 }, (_, i) => i + 31), Array.from({ length: 10 }, (_, i) => i + 91)];
    expect(pooledPercentile(lists, 0.99)).toBe(99);
    expect(pooledPercentile(lists, 0.5)).toBe(50);
    expect(pooledPercentile([[], []], 0.99)).toBeNaN();
    expect(pooledPercentile([[1, Number.NaN]], 0.99)).toBeNaN();
  });

  it('pools victims for the ratio, and refuses to judge a sample without raw latencies', () => {
    const raw = (label: string, values: number[]) => loadSample(label, { count: values.length, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 }, { latenciesUs: values });
    const alone = [raw('v1', new Array(100).fill(1000)), raw('v2', new Array(100).fill(1000))];
    const contended = [raw('v1', [...new Array(98).fill(1000), 5000, 5000]), raw('v2', [...new Array(97).fill(1000), 4000, 4000, 4000])];
    // 200 values, p99 = the 198th: the two 5000s and the three 4000s are the top five.
    expect(pooledRatio(alone, contended)).toEqual({ contendedP99Us: 4000, aloneP99Us: 1000, ratio: 4, samples: { contended: 200, alone: 200 } });
    expect(pooledRatio(alone, [...contended, loadSample('v3', { count: 1, p50: 1, p95: 1, p99: 1, p999: 1, max: 1, mean: 1 })]).ratio).toBeNaN();
  });

  it('describes each victim’s ratio without failing on it when the caller gates the pooled ratio', () => {
    const base = [loadSample('v1', { count: 1000, p50: 500, p95: 900, p99: 1000, p999: 1000, max: 1000, mean: 500 })];
    const slow = [loadSample('v1', { count: 1000, p50: 500, p95: 900, p99: 5000, p999: 5000, max: 5000, mean: 500 })];
    const result = judgeStep({ victims: { alone: base, contended: slow }, fairness: true, budgets: defaultLoadBudgets, gateEachRatio: false });
    expect(result).toEqual({ verdict: 'pass', reasons: ['victim "v1": p99 5000 µs contended vs 1000 µs alone, ×5.00 (budget ×2)'] });
  });
});
