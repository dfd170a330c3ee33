import type { CheckMeta, CheckResult, Finding, Severity } from '../core/check.ts';
import type { ReportLoad } from '../core/report.ts';
import { fingerprintOf } from '../core/fingerprint.ts';
import type { LoadSample } from './driver.ts';
import type { LoadRun } from './experiment.ts';
import { degradationRatio, edgePoint, jainIndex, judgeStep, pooledRatio, summarizeRepeats, type LoadBudgets } from './judge.ts';
import { loadPatterns, patternDescriptions, type LoadPattern } from './profiles.ts';
import type { LoadCast } from './targets.ts';

/**
 * From the measured runs to judgements: each contention step (pattern × aggressor load ×
 * fairness) is judged per repeat against that repeat's baseline (same app, same fairness), and
 * the repeats are combined — a step fails when at least half its repeats fail, is inconclusive
 * when any repeat could not decide, and passes otherwise. Only fairness-on steps are gated;
 * fairness-off steps are the measurement that shows what the controls buy. Pure.
 */

/**
 * One step over its repeats: the report's step (core/report.ts documents each number: `ratio`
 * is the gated one, pooled over every victim and repeat), with the pattern typed.
 */
export type LoadStepSummary = Omit<ReportLoad['steps'][number], 'pattern'> & { pattern: LoadPattern };

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

function stepOf(runs: LoadRun[], baselines: Map<string, LoadRun>, budgets: LoadBudgets, cast: LoadCast, offered: number): LoadStepSummary {
  const first = runs[0]!;
  const judged = runs.map((run) => {
    const base = baselines.get(`${run.repeat}:${run.fairness}`)!;
    // Each repeat decides trust (samples, omitted sends) and failure rates; the p99 ratio is gated pooled, below.
    const judgement = judgeStep({ victims: { alone: base.victims, contended: run.victims }, fairness: run.fairness, budgets, gateEachRatio: false });
    const ratios = run.victims.map((v) => degradationRatio(v.latencyUs.p99, base.victims.find((b) => b.label === v.label)?.latencyUs.p99 ?? Number.NaN));
    return { run, base, judgement, worst: Math.max(...ratios), pooled: pooledRatio(base.victims, run.victims).ratio };
  });
  const pooled = pooledRatio(judged.flatMap((j) => j.base.victims), judged.flatMap((j) => j.run.victims));
  const labels = [...new Set(judged.flatMap((j) => j.run.victims.map((v) => v.label)))];
  const victims = labels.map((label) => {
    const own = pooledRatio(judged.flatMap((j) => j.base.victims.filter((v) => v.label === label)), judged.flatMap((j) => j.run.victims.filter((v) => v.label === label)));
    return { label, ratio: own.ratio, p99Us: own.contendedP99Us, baselineP99Us: own.aloneP99Us };
  });
  const gated = first.fairness;
  const ratioLine = `victims' p99 over ${pooled.samples.contended} requests ${us(pooled.contendedP99Us)} contended vs ${us(pooled.aloneP99Us)} alone over ${pooled.samples.alone}: ×${pooled.ratio.toFixed(2)} (budget ×${budgets.victimP99Ratio})`;
  const ratioBreached = !(pooled.ratio <= budgets.victimP99Ratio);
  const failedRepeats = judged.filter((j) => j.judgement.verdict === 'fail').length;
  const unsure = judged.some((j) => j.judgement.verdict === 'inconclusive') || Number.isNaN(pooled.ratio);
  const failed = gated && ((ratioBreached && !Number.isNaN(pooled.ratio)) || (failedRepeats * 2 >= judged.length && failedRepeats > 0));
  const verdict = failed ? 'fail' : unsure ? 'inconclusive' : 'pass';
  const ratioReason = Number.isNaN(pooled.ratio) ? "the victims' pooled p99 ratio cannot be computed (raw latencies missing)" : ratioLine;
  // A sampled repeat in which the aggressor never held a backend is a share of 0, not a gap.
  const shares = judged.flatMap((j) => (j.run.dbTime ? [j.run.dbTime.byTenant[cast.aggressor.id]?.share ?? 0] : []));
  return {
    pattern: first.pattern!,
    aggressorConnections: first.aggressorConnections,
    fairness: first.fairness,
    ratio: pooled.ratio,
    victimP99Us: pooled.contendedP99Us,
    baselineP99Us: pooled.aloneP99Us,
    samples: pooled.samples,
    ratioByRepeat: summarizeRepeats(judged.map((j) => j.pooled)),
    worstVictimRatio: summarizeRepeats(judged.map((j) => j.worst)),
    victims,
    jain: summarizeRepeats(judged.map((j) => jainIndex(j.run.victims.map((v) => v.throughput / offered)))),
    victimRejected: sum(judged.flatMap((j) => j.run.victims.map((v) => v.rejected))),
    victimErrors: sum(judged.flatMap((j) => j.run.victims.map((v) => v.errors))),
    aggressorRejected: sum(judged.map((j) => j.run.aggressor?.rejected ?? 0)),
    aggressorCompleted: sum(judged.map((j) => (j.run.aggressor ? succeeded(j.run.aggressor) : (j.run.longTransactions?.transactions ?? 0)))),
    aggressorDbShare: shares.length > 0 ? median(shares) : null,
    verdict,
    reasons: [...(gated && ratioBreached ? [ratioReason] : []), ...new Set(judged.flatMap((j) => j.judgement.reasons.map((r) => `repeat ${j.run.repeat}: ${r}`))), ...(gated && ratioBreached ? [] : [ratioReason])],
  };
}

const us = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} µs` : String(value));
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
      // Judged like the steps: each step's pooled ratio against the budget, so an edge never contradicts a verdict.
      const objectiveRatio = budgets.victimP99Ratio;
      return { pattern, fairness, objectiveRatio, edge: edgePoint(mine.map((s) => ({ aggressorLoad: s.aggressorConnections, victimP99Us: s.ratio })), objectiveRatio) };
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
          message: `${gateLabel}, while tenant #${cast.aggressor.index} ran ${pattern} on ${s.aggressorConnections} connections, the victims' p99 rose ${s.ratio.toFixed(2)}× their baseline (budget ${budgets.victimP99Ratio}×; ${Math.round(s.victimP99Us)} µs vs ${Math.round(s.baselineP99Us)} µs over ${s.samples.contended} requests; repeats ${s.ratioByRepeat.min.toFixed(2)}–${s.ratioByRepeat.max.toFixed(2)}×)${s.victimErrors + s.victimRejected > 0 ? `, with ${s.victimErrors} error(s) and ${s.victimRejected} rejection(s)` : ''}.`,
          subject,
          // subjectKey does not read `load`: the step goes in as the discriminator, so steps differ.
          fingerprint: fingerprintOf(meta.id, subject, subject.load),
          evidence: { ratio: s.ratio, victimP99Us: s.victimP99Us, baselineP99Us: s.baselineP99Us, samples: s.samples, ratioByRepeat: s.ratioByRepeat, victims: s.victims, reasons: s.reasons },
        };
      });
    const verdict = findings.length > 0 ? 'fail' : gated.some((s) => s.verdict === 'inconclusive') || gated.length === 0 ? 'inconclusive' : 'pass';
    const error = verdict === 'inconclusive' ? gated.filter((s) => s.verdict === 'inconclusive').flatMap((s) => s.reasons).slice(0, 3).join('; ') || 'no fairness-on step was measured' : undefined;
    const gatedRuns = runs.filter((r) => r.pattern === pattern && r.fairness).length;
    return { meta, verdict, findings, durationMs: 0, stats: { steps: gated.length, runs: gatedRuns }, ...(error ? { error } : {}) };
  });
  return { steps, edgePoints, results };
}
