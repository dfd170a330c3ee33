import { describe, expect, it } from 'vitest';
import { loadSample } from '../../test/helpers/load-samples.ts';
import type { LoadSample } from './driver.ts';
import type { LoadRun } from './experiment.ts';
import { defaultLoadBudgets } from './judge.ts';
import type { LoadPattern } from './profiles.ts';
import { summarizeLoad } from './summarize.ts';
import type { LoadCast, LoadTenant } from './targets.ts';

/** Fixed numbers only: every sample is built by hand, nothing is measured. */

const tenant = (index: number, plan: string): LoadTenant => ({ index, id: `00000000-0000-4000-8000-00000000000${index}`, user: `u${index}`, plan, ids: ['p'] });
const cast: LoadCast = { aggressor: tenant(0, 'enterprise'), victims: [tenant(1, 'pro'), tenant(2, 'pro')] };
const budgets = defaultLoadBudgets;

/**
 * A victim answered 1000 times at 100 req/s, with the p99 given; its raw latencies are all
 * that p99, so a pooled p99 is the highest p99 among the samples pooled (each is far more than
 * 1% of any pool here). Tests of the pooling itself build their latencies by hand.
 */
function sample(label: string, p99: number, over: Partial<LoadSample> = {}, count = 1000): LoadSample {
  return loadSample(label, { count, p50: p99 / 2, p95: p99 * 0.9, p99, p999: p99, max: p99, mean: p99 / 2 }, { latenciesUs: new Array<number>(count).fill(p99), ...over });
}
/** Both victims at these p99s (µs). */
const victims = (p99s: [number, number], over: Partial<LoadSample> = {}, count = 1000) => [sample('victim #1', p99s[0], over, count), sample('victim #2', p99s[1], over, count)];

const baseline = (repeat: number, fairness: boolean, p99 = 1000): LoadRun => ({ pattern: null, aggressorConnections: 0, fairness, repeat, victims: victims([p99, p99]), aggressor: null, longTransactions: null, dbTime: null });

function step(repeat: number, fairness: boolean, contended: LoadSample[], options: { pattern?: LoadPattern; connections?: number; share?: number | 'absent'; aggressor?: Partial<LoadSample> } = {}): LoadRun {
  const { pattern = 'heavy-reports', connections = 50, share } = options;
  const byTenant = share === 'absent' ? { [cast.victims[0]!.id]: { ms: 10, share: 1 } } : { [cast.aggressor.id]: { ms: 90, share: share ?? 0 }, [cast.victims[0]!.id]: { ms: 10, share: 1 - (share ?? 0) } };
  return {
    pattern,
    aggressorConnections: connections,
    fairness,
    repeat,
    victims: contended,
    aggressor: sample('aggressor', 50_000, { completed: 300, rejected: 100, statuses: { '200': 200, '429': 100 }, ...options.aggressor }),
    longTransactions: null,
    dbTime: share === undefined ? null : { byTenant, samples: 100, untagged: 0 },
  };
}
const baselines = (repeats: number) => Array.from({ length: repeats }, (_, i) => [baseline(i + 1, false), baseline(i + 1, true)]).flat();
/** Fairness-on steps whose worst victim p99 is `ratio` × the 1000 µs baseline, one per repeat. */
const onSteps = (ratios: number[]) => ratios.map((r, i) => step(i + 1, true, victims([1000, 1000 * r])));
const only = (runs: LoadRun[], offered = 100) => summarizeLoad(runs, cast, budgets, offered);

describe('summarizeLoad: one step over its repeats', () => {
  it('gates the p99 of every victim request of every repeat, pooled, against the pooled baseline', () => {
    // One victim 3× slower in two of three repeats: a third of all requests, far above 1%.
    const failing = only([...baselines(3), ...onSteps([3, 3, 1.2])]);
    expect(failing.steps[0]).toMatchObject({ verdict: 'fail', ratio: 3, victimP99Us: 3000, baselineP99Us: 1000, samples: { contended: 6000, alone: 6000 } });
    expect(failing.steps[0]!.reasons[0]).toBe("victims' p99 over 6000 requests 3000 µs contended vs 1000 µs alone over 6000: ×3.00 (budget ×2)");
    expect(failing.results[0]!.stats).toEqual({ steps: 1, runs: 3 });
    expect(only([...baselines(3), ...onSteps([1.5, 1.5, 1.2])]).steps[0]).toMatchObject({ verdict: 'pass', ratio: 1.5 });
    expect(only([...baselines(2), ...onSteps([1.9, 2.1])]).steps[0]).toMatchObject({ verdict: 'fail', ratio: 2.1 });
  });

  it('weighs a slow tail by its share of all victim requests: 1% of the pool is the p99', () => {
    const tail = (n: number, slowUs: number, count = 1000) => [...new Array<number>(count - n).fill(1000), ...new Array<number>(n).fill(slowUs)];
    const withTail = (label: string, n: number) => sample(label, n > 10 ? 9000 : 1000, { latenciesUs: tail(n, 9000) });
    // Victim #1 has 15 slow requests of 1000 (its own p99 is 9000 µs): 15 of 2000 pooled is under 1%.
    const under = only([...baselines(1), step(1, true, [withTail('victim #1', 15), withTail('victim #2', 0)])]).steps[0]!;
    expect(under).toMatchObject({ verdict: 'pass', ratio: 1 });
    expect(under.worstVictimRatio.median).toBe(9);
    expect(under.victims).toEqual([
      { label: 'victim #1', ratio: 9, p99Us: 9000, baselineP99Us: 1000 },
      { label: 'victim #2', ratio: 1, p99Us: 1000, baselineP99Us: 1000 },
    ]);
    // 15 + 15 slow of 2000 is 1.5%: the pooled p99 is slow.
    expect(only([...baselines(1), step(1, true, [withTail('victim #1', 15), withTail('victim #2', 15)])]).steps[0]).toMatchObject({ verdict: 'fail', ratio: 9 });
  });

  it('is inconclusive without raw latencies, and when a repeat could not decide and nothing failed', () => {
    const noRaw = step(1, true, victims([1000, 1000], { latenciesUs: undefined }));
    const unknown = only([...baselines(1), noRaw]).steps[0]!;
    expect(unknown.verdict).toBe('inconclusive');
    expect(unknown.ratio).toBeNaN();
    expect(unknown.reasons).toContain("the victims' pooled p99 ratio cannot be computed (raw latencies missing)");
    const thin = step(3, true, victims([1000, 1000], {}, 10));
    const unsure = only([...baselines(3), ...onSteps([1.2, 1.2]), thin]).steps[0]!;
    expect(unsure.verdict).toBe('inconclusive');
    expect(unsure.reasons.some((r) => r.startsWith('repeat 3: ') && r.includes('fewer than 200'))).toBe(true);
    expect(only([...baselines(3), ...onSteps([3, 1.2]), thin]).steps[0]!.verdict).toBe('fail');
  });

  it('fails on victim failures when at least half the repeats breach the failure budget', () => {
    const failures = (errors: number[]) => only([...baselines(errors.length), ...errors.map((e, i) => step(i + 1, true, victims([1000, 1000], { errors: e })))]).steps[0]!.verdict;
    expect(failures([30, 30, 0])).toBe('fail');
    expect(failures([30, 0, 0])).toBe('pass');
  });

  it('judges each repeat against the baseline of the same repeat and fairness', () => {
    const runs = [baseline(1, false, 5000), baseline(1, true, 1000), step(1, true, victims([1000, 3000])), step(1, false, victims([1000, 3000]))];
    const { steps } = only(runs);
    expect(steps.find((s) => s.fairness)!.ratio).toBe(3);
    expect(steps.find((s) => !s.fairness)!.ratio).toBe(0.6);
    expect(steps.find((s) => !s.fairness)!.verdict).toBe('pass');
  });

  it('summarizes the pooled and the worst single victim ratio of each repeat', () => {
    const runs = [...baselines(3), step(1, true, victims([2500, 1500])), step(2, true, victims([1200, 1100])), step(3, true, victims([900, 1800]))];
    const s = only(runs).steps[0]!;
    expect(s.worstVictimRatio).toEqual({ median: 1.8, min: 1.2, max: 2.5, spread: (2.5 - 1.2) / 1.8 });
    expect(s.ratioByRepeat).toEqual({ median: 1.8, min: 1.2, max: 2.5, spread: (2.5 - 1.2) / 1.8 });
    expect([s.ratio, s.victimP99Us, s.baselineP99Us]).toEqual([2.5, 2500, 1000]);
  });

  it('computes Jain over the victims’ delivered ÷ offered throughput', () => {
    const uneven = step(1, true, [sample('victim #1', 1000, { throughput: 100 }), sample('victim #2', 1000, { throughput: 50 })]);
    expect(only([...baselines(1), uneven]).steps[0]!.jain.median).toBeCloseTo(0.9, 10); // (1 + 0.5)² / (2 · 1.25)
    expect(only([...baselines(1), uneven], 0).steps[0]!.jain.median).toBeCloseTo(0.9, 10); // no offered rate: raw throughput
    expect(only([...baselines(1), ...onSteps([1])]).steps[0]!.jain.median).toBe(1);
  });

  it('adds up failures and rejections over the repeats', () => {
    const runs = [...baselines(2), step(1, true, victims([1000, 1000], { errors: 2, rejected: 1 })), step(2, true, victims([1000, 1000], { errors: 1 }), { aggressor: { completed: 50, rejected: 40, statuses: { '200': 10, '429': 40 } } })];
    const s = only(runs).steps[0]!;
    // The aggressor's completed count is its 2xx answers (200 + 10), not every answer.
    expect([s.victimErrors, s.victimRejected, s.aggressorCompleted, s.aggressorRejected]).toEqual([6, 2, 210, 140]);
  });

  it('takes the median of the aggressor’s DB share over sampled repeats; absent from a sample is 0', () => {
    const share = (shares: (number | 'absent' | undefined)[]) => only([...baselines(shares.length), ...shares.map((s, i) => step(i + 1, true, victims([1000, 1000]), s === undefined ? {} : { share: s }))]).steps[0]!.aggressorDbShare;
    expect(share([0.8, 0.6, 0.7])).toBeCloseTo(0.7, 10);
    expect(share([0.8, undefined, 0.6])).toBeCloseTo(0.7, 10);
    expect(share([0.8, 'absent', 0.6])).toBeCloseTo(0.6, 10);
    expect(share([undefined, undefined])).toBeNull();
  });
});

describe('summarizeLoad: edge points', () => {
  it('finds, per pattern and fairness, the lowest load whose victim p99 ratio exceeds the budget', () => {
    const runs = [
      ...baselines(1),
      step(1, false, victims([1000, 1500]), { connections: 10 }),
      step(1, false, victims([1000, 3000]), { connections: 50 }),
      step(1, true, victims([1000, 1500]), { connections: 10 }),
      step(1, true, victims([1000, 1900]), { connections: 50 }),
      step(1, false, victims([2500, 1000]), { pattern: 'hot-reads', connections: 10 }),
      step(1, true, victims([2500, 1000]), { pattern: 'hot-reads', connections: 10 }),
    ];
    expect(only(runs).edgePoints).toEqual([
      { pattern: 'heavy-reports', fairness: false, objectiveRatio: 2, edge: 50 },
      { pattern: 'heavy-reports', fairness: true, objectiveRatio: 2, edge: null },
      { pattern: 'hot-reads', fairness: false, objectiveRatio: 2, edge: 10 },
      { pattern: 'hot-reads', fairness: true, objectiveRatio: 2, edge: 10 },
    ]);
  });

  it('has no edge for a fairness setting never measured', () => {
    const [off, on] = only([...baselines(1), ...onSteps([3])]).edgePoints;
    expect(off).toMatchObject({ fairness: false, edge: null });
    expect(on).toMatchObject({ fairness: true, objectiveRatio: 2, edge: 50 });
  });
});

describe('summarizeLoad: check results', () => {
  it('gives one result per measured pattern, findings only for failing fairness-on steps', () => {
    const runs = [
      ...baselines(1),
      step(1, false, victims([1000, 4000])), // broken, but fairness off: measured, never a finding
      ...onSteps([2.5]),
      step(1, true, victims([1000, 1100]), { pattern: 'write-bursts' }),
    ];
    const { results } = only(runs);
    expect(results.map((r) => [r.meta.id, r.meta.kind, r.verdict])).toEqual([
      ['noisy-neighbour-heavy-reports', 'load', 'fail'],
      ['noisy-neighbour-write-bursts', 'load', 'pass'],
    ]);
    const [finding, ...rest] = results[0]!.findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ checkId: 'noisy-neighbour-heavy-reports', severity: 'high', subject: { load: 'heavy-reports ×50' } });
    expect(finding!.message).toContain('tenant #0 ran heavy-reports on 50 connections');
    expect(finding!.message).toContain("the victims' p99 rose 2.50× their baseline (budget 2×; 2500 µs vs 1000 µs over 2000 requests");
    expect(results[0]!.stats).toEqual({ steps: 1, runs: 1 });
    expect(results[1]!.findings).toEqual([]);
    // Outside CI mode a breach is reported at the severity the pipeline gives (medium: not gated).
    const advisory = summarizeLoad(runs, cast, defaultLoadBudgets, 100, 'With fairness on', 'medium').results[0]!;
    expect([advisory.meta.severity, advisory.findings[0]!.severity]).toEqual(['medium', 'medium']);
  });

  it('names errors and rejections in the message when victims failed', () => {
    const failing = step(1, true, victims([1000, 1000], { errors: 30, rejected: 5 }));
    const [finding] = only([...baselines(1), failing]).results[0]!.findings;
    expect(finding!.message).toContain('with 60 error(s) and 10 rejection(s)');
  });

  it('fingerprints by check and step: stable across numbers, distinct across steps', () => {
    const fingerprints = (ratio: number) =>
      only([...baselines(1), step(1, true, victims([1000, 1000 * ratio]), { connections: 10 }), step(1, true, victims([1000, 1000 * ratio]), { connections: 50 })]).results[0]!.findings.map((f) => f.fingerprint);
    const [ten, fifty] = fingerprints(3);
    expect(ten).toMatch(/^[0-9a-f]{16}$/);
    expect(ten).not.toBe(fifty);
    expect(fingerprints(4)).toEqual([ten, fifty]);
  });

  it('is inconclusive, with the reasons of the undecided step, when no fairness-on step decided', () => {
    const runs = [...baselines(1), step(1, true, victims([1000, 1000], {}, 10)), step(1, true, victims([1000, 1000]), { connections: 10 })];
    const [result] = only(runs).results;
    expect(result!.verdict).toBe('inconclusive');
    expect(result!.findings).toEqual([]);
    expect(result!.error).toContain('10 latency samples, fewer than 200');
    expect(result!.error).not.toContain('within budgets');
  });

  it('is inconclusive when only fairness-off steps were measured, and a failure outweighs an undecided step', () => {
    const offOnly = only([...baselines(1), step(1, false, victims([1000, 1000]))]).results[0]!;
    expect(offOnly).toMatchObject({ verdict: 'inconclusive', error: 'no fairness-on step was measured' });
    const mixed = only([...baselines(1), ...onSteps([3]), step(1, true, victims([1000, 1000], {}, 10), { connections: 10 })]).results[0]!;
    expect(mixed.verdict).toBe('fail');
    expect(mixed.error).toBeUndefined();
  });
});
