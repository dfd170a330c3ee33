import type { CheckMeta, CheckResult, Finding, Severity } from '../core/check.ts';
import { fingerprintOf } from '../core/fingerprint.ts';
import type { LoadSample } from './driver.ts';
import type { LoadRun } from './experiment.ts';
import { degradationRatio, edgePoint, jainIndex, judgeStep, summarizeRepeats, type LoadBudgets, type RepeatSummary, type StepJudgement } from './judge.ts';
import { loadPatterns, patternDescriptions, type LoadPattern } from './profiles.ts';
import type { LoadCast } from './targets.ts';

/**
 * From the measured runs to judgements: each contention step (pattern × aggressor load ×
 * fairness) is judged per repeat against that repeat's baseline (same app, same fairness), and
 * the repeats are combined — a step fails when at least half its repeats fail, is inconclusive
 * when any repeat could not decide, and passes otherwise. Only fairness-on steps are gated;
 * fairness-off steps are the measurement that shows what the controls buy. Pure.
 */

/** One step over its repeats. */
export interface LoadStepSummary {
  pattern: LoadPattern;
  aggressorConnections: number;
  fairness: boolean;
  /** Worst victim p99 ratio (contended ÷ alone) per repeat, summarised. */
  worstRatio: RepeatSummary;
  /** Worst victim p99 under contention (µs), and the baseline's, summarised over repeats. */
  victimP99Us: RepeatSummary;
  baselineP99Us: RepeatSummary;
  /** Jain's index over the victims' delivered ÷ offered throughput (1 = each got what it asked). */
  jain: RepeatSummary;
  /** Requests turned away (429/503) and failed, victims and aggressor, over all repeats; the aggressor's 2xx answers. */
  victimRejected: number;
  victimErrors: number;
  aggressorRejected: number;
  aggressorCompleted: number;
  /** The aggressor's share of the sampled database time (median over repeats), or null. */
  aggressorDbShare: number | null;
  verdict: StepJudgement['verdict'];
  reasons: string[];
}

/** What the report shows and gates on. */
export interface LoadSummary {
  steps: LoadStepSummary[];
  /** Per pattern and fairness: the lowest aggressor load at which a victim's p99 ratio (median over repeats) passed the budget. */
  edgePoints: { pattern: LoadPattern; fairness: boolean; objectiveRatio: number; edge: number | null }[];
  results: CheckResult[];
}

/** The check of one pattern: victims stay within budget while the aggressor does it. */
export function loadCheckMeta(pattern: LoadPattern, severity: Severity = 'high'): CheckMeta {
  return {
    id: `noisy-neighbour-${pattern}`,
    kind: 'load',
    title: `Victims keep their latency while a neighbour runs ${pattern.replace('-', ' ')}`,
    description: `Quiet tenants at a fixed rate on light reads, alone and while one tenant runs ${patternDescriptions[pattern]}; with fairness on, the victims' p99 must stay within the budget ratio of their baseline and their failures under the budget.`,
    severity,
    remediation: 'Admit each tenant’s database work through a per-tenant gate (concurrency share by plan, rate limit, queue bounds, statement timeout), and keep heavy work off the connections light requests need.',
  };
}

const median = (values: number[]) => summarizeRepeats(values).median;
const worstP99 = (samples: LoadSample[]) => Math.max(...samples.map((s) => s.latencyUs.p99));

function stepOf(runs: LoadRun[], baselines: Map<string, LoadRun>, budgets: LoadBudgets, cast: LoadCast, offered: number): LoadStepSummary {
  const first = runs[0]!;
  const judged = runs.map((run) => {
    const base = baselines.get(`${run.repeat}:${run.fairness}`)!;
    const judgement = judgeStep({ victims: { alone: base.victims, contended: run.victims }, fairness: run.fairness, budgets });
    const ratios = run.victims.map((v) => degradationRatio(v.latencyUs.p99, base.victims.find((b) => b.label === v.label)?.latencyUs.p99 ?? Number.NaN));
    return { run, base, judgement, worst: Math.max(...ratios) };
  });
  const fails = judged.filter((j) => j.judgement.verdict === 'fail').length;
  const unsure = judged.some((j) => j.judgement.verdict === 'inconclusive');
  const verdict = fails * 2 >= judged.length && fails > 0 ? 'fail' : unsure ? 'inconclusive' : 'pass';
  // A sampled repeat in which the aggressor never held a backend is a share of 0, not a gap.
  const shares = judged.flatMap((j) => (j.run.dbTime ? [j.run.dbTime.byTenant[cast.aggressor.id]?.share ?? 0] : []));
  return {
    pattern: first.pattern!,
    aggressorConnections: first.aggressorConnections,
    fairness: first.fairness,
    worstRatio: summarizeRepeats(judged.map((j) => j.worst)),
    victimP99Us: summarizeRepeats(judged.map((j) => worstP99(j.run.victims))),
    baselineP99Us: summarizeRepeats(judged.map((j) => worstP99(j.base.victims))),
    jain: summarizeRepeats(judged.map((j) => jainIndex(j.run.victims.map((v) => v.throughput / offered)))),
    victimRejected: sum(judged.flatMap((j) => j.run.victims.map((v) => v.rejected))),
    victimErrors: sum(judged.flatMap((j) => j.run.victims.map((v) => v.errors))),
    aggressorRejected: sum(judged.map((j) => j.run.aggressor?.rejected ?? 0)),
    aggressorCompleted: sum(judged.map((j) => (j.run.aggressor ? succeeded(j.run.aggressor) : (j.run.longTransactions?.transactions ?? 0)))),
    aggressorDbShare: shares.length > 0 ? median(shares) : null,
    verdict,
    reasons: [...new Set(judged.flatMap((j) => j.judgement.reasons.map((r) => `repeat ${j.run.repeat}: ${r}`)))],
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** Answers with a 2xx status (a driver's `completed` counts every answer, 429s included). */
const succeeded = (sample: LoadSample) => sum(Object.entries(sample.statuses).filter(([status]) => status.startsWith('2')).map(([, n]) => n));

/** Judges every step and builds one check result per pattern measured. */
export function summarizeLoad(runs: readonly LoadRun[], cast: LoadCast, budgets: LoadBudgets, offeredRate = 0, gateLabel = 'With fairness on', severity: Severity = 'high'): LoadSummary {
  const baselines = new Map(runs.filter((r) => r.pattern === null).map((r) => [`${r.repeat}:${r.fairness}`, r]));
  const groups = new Map<string, LoadRun[]>();
  for (const run of runs) {
    if (run.pattern === null) continue;
    const key = `${run.pattern}:${run.aggressorConnections}:${run.fairness}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const offered = offeredRate > 0 ? offeredRate : 1;
  const steps = [...groups.values()].map((group) => stepOf(group, baselines, budgets, cast, offered));
  const patterns = loadPatterns.filter((p) => steps.some((s) => s.pattern === p));
  const edgePoints = patterns.flatMap((pattern) =>
    [false, true].map((fairness) => {
      const mine = steps.filter((s) => s.pattern === pattern && s.fairness === fairness);
      // Judged like the steps: each step's median worst ratio (against its own repeats' baselines)
      // against the budget, so an edge never contradicts a verdict.
      const objectiveRatio = budgets.victimP99Ratio;
      return { pattern, fairness, objectiveRatio, edge: edgePoint(mine.map((s) => ({ aggressorLoad: s.aggressorConnections, victimP99Us: s.worstRatio.median })), objectiveRatio) };
    }),
  );
  const results = patterns.map((pattern): CheckResult => {
    const meta = loadCheckMeta(pattern, severity);
    const gated = steps.filter((s) => s.pattern === pattern && s.fairness);
    const findings: Finding[] = gated
      .filter((s) => s.verdict === 'fail')
      .map((s) => {
        const subject = { load: `${pattern} ×${s.aggressorConnections}` };
        return {
          checkId: meta.id,
          severity: meta.severity,
          message: `${gateLabel}, while tenant #${cast.aggressor.index} ran ${pattern} on ${s.aggressorConnections} connections, a victim's p99 rose ${s.worstRatio.median.toFixed(2)}× its baseline (budget ${budgets.victimP99Ratio}×; repeats ${s.worstRatio.min.toFixed(2)}–${s.worstRatio.max.toFixed(2)}×)${s.victimErrors + s.victimRejected > 0 ? `, with ${s.victimErrors} error(s) and ${s.victimRejected} rejection(s)` : ''}.`,
          subject,
          // subjectKey does not read `load`: the step goes in as the discriminator, so steps differ.
          fingerprint: fingerprintOf(meta.id, subject, subject.load),
          evidence: { worstRatio: s.worstRatio, victimP99Us: s.victimP99Us, baselineP99Us: s.baselineP99Us, reasons: s.reasons },
        };
      });
    const verdict = findings.length > 0 ? 'fail' : gated.some((s) => s.verdict === 'inconclusive') || gated.length === 0 ? 'inconclusive' : 'pass';
    const error = verdict === 'inconclusive' ? gated.filter((s) => s.verdict === 'inconclusive').flatMap((s) => s.reasons).slice(0, 3).join('; ') || 'no fairness-on step was measured' : undefined;
    const gatedRuns = runs.filter((r) => r.pattern === pattern && r.fairness).length;
    return { meta, verdict, findings, durationMs: 0, stats: { steps: gated.length, runs: gatedRuns }, ...(error ? { error } : {}) };
  });
  return { steps, edgePoints, results };
}
