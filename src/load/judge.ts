import type { LoadSample } from './driver.ts';

/**
 * Pure judgement of noisy-neighbour measurements. Every function is total: bad numbers (NaN,
 * ±Infinity, negatives where a count or latency belongs) give NaN or `inconclusive`, never a
 * pass and never a throw, so one broken measurement cannot crash or whitewash an experiment.
 */

/** What a step must stay within, judged with fairness on. */
export interface LoadBudgets {
  /** Largest allowed victim p99 contended ÷ alone (default 2). */
  victimP99Ratio: number;
  /** Victim failures ÷ requests sent, failing at or above (default 0.01). Failures: errors + rejections. */
  victimErrorRate: number;
  /** Fewest latency samples per victim per run, alone and contended (default 200). */
  minSamples: number;
  /** Largest omitted ÷ expected of an open-loop victim before its numbers are not trusted (default 0.01). */
  maxOmittedRate: number;
}

/** The budgets of issue 6. */
export const defaultLoadBudgets: LoadBudgets = Object.freeze({ victimP99Ratio: 2, victimErrorRate: 0.01, minSamples: 200, maxOmittedRate: 0.01 });

const isMeasure = (value: number) => Number.isFinite(value) && value >= 0;

/**
 * Jain's fairness index (Σx)² / (n·Σx²): 1 when all shares are equal, 1/n when one takes all.
 * No values, or all zero, is 1 (nobody got more than anybody). Any NaN, infinite or negative
 * value gives NaN.
 */
export function jainIndex(values: readonly number[]): number {
  if (!values.every(isMeasure)) return Number.NaN;
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}

/**
 * contended ÷ alone (a p99 ratio). alone = 0 (no baseline latency can only mean no samples):
 * 1 when contended is 0 too, Infinity otherwise. NaN, infinite or negative inputs give NaN.
 */
export function degradationRatio(contended: number, alone: number): number {
  if (!isMeasure(contended) || !isMeasure(alone)) return Number.NaN;
  if (alone === 0) return contended === 0 ? 1 : Number.POSITIVE_INFINITY;
  return contended / alone;
}

/** Median (mean of the middle two for an even count), min, max and spread of repeats. */
export interface RepeatSummary {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median; 0 when all are equal (even all 0), Infinity when the median is 0 but not all are. */
  spread: number;
}

/**
 * Summarizes the repeats of one measurement. No repeats, or any NaN among them, gives NaN
 * throughout: a report never shows a median that silently dropped a repeat.
 */
export function summarizeRepeats(values: readonly number[]): RepeatSummary {
  if (values.length === 0 || values.some((value) => Number.isNaN(value))) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, spread: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const spread = max === min ? 0 : median === 0 ? Number.POSITIVE_INFINITY : (max - min) / Math.abs(median);
  return { median, min, max, spread };
}

/**
 * The lowest aggressor load at which a victim's p99 exceeds the objective (strictly), or null
 * if it never does. Steps may come in any order and hold one entry per victim; steps whose
 * load or p99 is not a number are skipped (unknown is not broken).
 */
export function edgePoint(steps: readonly { aggressorLoad: number; victimP99Us: number }[], objectiveUs: number): number | null {
  if (Number.isNaN(objectiveUs)) return null;
  let edge: number | null = null;
  for (const step of steps) {
    if (Number.isNaN(step.aggressorLoad) || Number.isNaN(step.victimP99Us)) continue;
    if (step.victimP99Us > objectiveUs && (edge === null || step.aggressorLoad < edge)) edge = step.aggressorLoad;
  }
  return edge;
}

/** The verdict of one contention step, and why. */
export interface StepJudgement {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** Failures first, then what made it inconclusive, then what was measured but not gated. */
  reasons: string[];
}

/** The victims of one step, matched by label between the baseline and the contended run. */
export interface StepInput {
  victims: { alone: LoadSample[]; contended: LoadSample[] };
  /** Fairness on: gated against the budgets. Off: measured and described, never failed. */
  fairness: boolean;
  budgets: LoadBudgets;
  /**
   * Whether each victim's own p99 ratio is gated (default true). False when the caller gates
   * the victims' pooled p99 instead ({@link pooledRatio}): each victim's ratio is then only
   * described.
   */
  gateEachRatio?: boolean;
}

/**
 * Nearest-rank percentile `p` of every value of every list together (latencies in µs); NaN
 * when there are none or a value is not a measure. One victim's p99 over a few hundred
 * requests rests on its three slowest; pooled over victims and repeats it rests on dozens.
 */
export function pooledPercentile(lists: readonly (readonly number[])[], p: number): number {
  const values = lists.flat();
  if (values.length === 0 || !values.every(isMeasure)) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil(p * sorted.length - 1e-9));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** The victims' pooled p99, contended and alone, their ratio and how many latencies each rests on. */
export interface PooledRatio {
  contendedP99Us: number;
  aloneP99Us: number;
  ratio: number;
  samples: { contended: number; alone: number };
}

/**
 * p99 of every victim latency under contention ÷ p99 of every victim latency alone. A
 * sample without raw latencies (`latenciesUs`) makes the ratio NaN: never judged from less
 * than everything measured.
 */
export function pooledRatio(alone: readonly LoadSample[], contended: readonly LoadSample[]): PooledRatio {
  const raw = (samples: readonly LoadSample[]) => (samples.length > 0 && samples.every((s) => s.latenciesUs !== undefined) ? samples.map((s) => s.latenciesUs!) : []);
  const [a, c] = [raw(alone), raw(contended)];
  const aloneP99Us = pooledPercentile(a, 0.99);
  const contendedP99Us = pooledPercentile(c, 0.99);
  return { contendedP99Us, aloneP99Us, ratio: degradationRatio(contendedP99Us, aloneP99Us), samples: { contended: c.flat().length, alone: a.flat().length } };
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;
const failuresOf = (sample: LoadSample) => (sample.sent > 0 ? (sample.errors + sample.rejected) / sample.sent : Number.NaN);

/**
 * Judges one step. Per victim: the p99 ratio needs ≥ minSamples latencies both alone and
 * contended and, for open loop, at most maxOmittedRate of the sends omitted in both, else
 * it is inconclusive (never a pass); the failure rate — errors plus rejections, since a quiet
 * victim should never be throttled — needs ≥ minSamples requests sent, and a failing
 * baseline makes the step inconclusive. With fairness on, a ratio above the budget or a
 * failure rate at or above it fails; a failure proven on one victim is not hidden by another
 * victim's thin data. With fairness off the same numbers are only described. No victims, a
 * victim missing from either run, a label measured twice, or a budget that is not a finite
 * non-negative number: inconclusive.
 */
export function judgeStep(input: StepInput): StepJudgement {
  const { alone, contended } = input.victims;
  const { budgets, fairness } = input;
  const fails: string[] = [];
  const unsure: string[] = [];
  const notes: string[] = [];
  if (contended.length === 0) unsure.push('no victim was measured under contention');
  const badBudgets = Object.entries(budgets).filter(([, value]) => !isMeasure(value));
  if (badBudgets.length > 0) return { verdict: 'inconclusive', reasons: [`budgets are not usable numbers: ${badBudgets.map(([name, value]) => `${name}=${value}`).join(', ')}`] };
  for (const [name, runs] of [['baseline', alone], ['contended run', contended]] as const) {
    const labels = runs.map((sample) => sample.label);
    for (const label of new Set(labels.filter((l, i) => labels.indexOf(l) !== i))) unsure.push(`victim "${label}" appears twice in the ${name}`);
  }
  const labels = [...new Set([...contended, ...alone].map((sample) => sample.label))];
  for (const label of labels) {
    const base = alone.find((sample) => sample.label === label);
    const load = contended.find((sample) => sample.label === label);
    if (!base || !load) {
      unsure.push(`victim "${label}" ${base ? 'was not measured under contention' : 'has no baseline'}`);
      continue;
    }
    const trusted = [trustLatency(base, 'alone', budgets, unsure), trustLatency(load, 'contended', budgets, unsure)].every(Boolean);
    const ratio = degradationRatio(load.latencyUs.p99, base.latencyUs.p99);
    const baseFailures = failuresOf(base);
    const failures = failuresOf(load);
    if (!(load.sent >= budgets.minSamples) || Number.isNaN(failures)) unsure.push(`victim "${label}" (contended): ${load.sent} requests sent, fewer than ${budgets.minSamples}`);
    else if (!(baseFailures < budgets.victimErrorRate)) unsure.push(`victim "${label}" fails ${percent(baseFailures)} of its requests even alone: the baseline is not healthy`);
    else if (!(failures < budgets.victimErrorRate)) {
      (fairness ? fails : notes).push(`victim "${label}": ${percent(failures)} of requests failed under contention (budget < ${percent(budgets.victimErrorRate)}; ${load.errors} errors, ${load.rejected} rejected)`);
    }
    if (!trusted) continue;
    if (Number.isNaN(ratio)) unsure.push(`victim "${label}": p99 ratio cannot be computed (p99 ${load.latencyUs.p99} µs contended, ${base.latencyUs.p99} µs alone)`);
    else if (!(ratio <= budgets.victimP99Ratio)) {
      (fairness && input.gateEachRatio !== false ? fails : notes).push(`victim "${label}": p99 ${load.latencyUs.p99} µs contended vs ${base.latencyUs.p99} µs alone, ×${ratio.toFixed(2)} (budget ×${budgets.victimP99Ratio})`);
    }
  }
  const verdict = fails.length > 0 ? 'fail' : unsure.length > 0 ? 'inconclusive' : 'pass';
  if (!fairness && verdict === 'pass') notes.unshift('fairness off: measured, not gated');
  if (verdict === 'pass' && notes.length === 0) notes.push(`all ${labels.length} victims within budgets`);
  return { verdict, reasons: [...fails, ...unsure, ...notes] };
}

/** True when a sample's latencies are numerous and unskewed enough to compare; else says why. */
function trustLatency(sample: LoadSample, run: 'alone' | 'contended', budgets: LoadBudgets, reasons: string[]): boolean {
  const where = `victim "${sample.label}" (${run})`;
  let trusted = true;
  if (!(sample.latencyUs.count >= budgets.minSamples)) {
    reasons.push(`${where}: ${sample.latencyUs.count} latency samples, fewer than ${budgets.minSamples}`);
    trusted = false;
  }
  if (sample.expected !== null) {
    const omitted = sample.expected > 0 ? sample.omitted / sample.expected : Number.NaN;
    if (!(omitted <= budgets.maxOmittedRate)) {
      reasons.push(`${where}: ${sample.omitted} of ${sample.expected} sends omitted (over ${percent(budgets.maxOmittedRate)}): its connections stalled, so its latencies understate the wait`);
      trusted = false;
    }
  }
  return trusted;
}
