import type { ReportLoad, ReportLoadSample } from '../core/report.ts';
import { escapeText, inlineCode } from './markdown-escape.ts';

/**
 * The noisy-neighbour part of the Markdown report: per-tenant latency tables (median over the
 * repeats), the contention steps' verdicts, and the RLS overhead. Pure; markdown.ts places it.
 */

const count = new Intl.NumberFormat('en-US');
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** µs as milliseconds with a precision that fits the magnitude: 0.65, 12.3, 1,041. */
export function formatMs(us: number | null | undefined): string {
  if (!finite(us)) return '—';
  const ms = us / 1000;
  if (ms < 1) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return count.format(Math.round(ms));
}

/** A ratio as `2.82×`; `—` when it could not be computed (NaN is `null` once in JSON). */
export function formatRatio(x: number | null | undefined): string {
  if (!finite(x)) return '—';
  return `${x < 10 ? x.toFixed(2) : count.format(Math.round(x))}×`;
}

const formatRate = (x: number | null | undefined) => (finite(x) ? (x < 10 ? x.toFixed(1) : count.format(Math.round(x))) : '—');

function median(values: number[]): number {
  const sorted = values.filter(finite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A rare-event count: the median, and the worst repeat when it is worse (a median of 0 would hide it). */
function medianCount(values: number[]): string {
  const m = median(values);
  const max = Math.max(...values.filter(finite));
  if (!finite(m)) return '—';
  return max > m ? `${count.format(m)} (max ${count.format(max)})` : count.format(m);
}

/** "victim #3 · enterprise": who played the sample's part, and on which plan. */
function describeTenant(load: ReportLoad, label: string): [string, string] {
  const index = Number(/#(\d+)/.exec(label)?.[1] ?? Number.NaN);
  if (label === 'aggressor') return [`aggressor #${load.setup.aggressor.index}`, load.setup.aggressor.plan];
  const victim = load.setup.victims.find((v) => v.index === index);
  return [label, victim?.plan ?? '—'];
}

/** One row per tenant of the runs given (the repeats of one step), values the median over repeats. */
function tenantRows(load: ReportLoad, step: string, runs: ReportLoad['runs']): string[] {
  const byLabel = new Map<string, ReportLoadSample[]>();
  for (const run of runs) {
    for (const sample of [...run.victims, ...(run.aggressor ? [run.aggressor] : [])]) byLabel.set(sample.label, [...(byLabel.get(sample.label) ?? []), sample]);
  }
  return [...byLabel].map(([label, samples]) => {
    const [tenant, plan] = describeTenant(load, label);
    const m = (pick: (s: ReportLoadSample) => number) => median(samples.map(pick));
    const cells = [step, tenant, plan, ...(['p50', 'p95', 'p99', 'p999'] as const).map((p) => formatMs(m((s) => s.latencyUs[p]))), formatRate(m((s) => s.throughput))];
    cells.push(medianCount(samples.map((s) => s.errors)), medianCount(samples.map((s) => s.rejected)));
    return `| ${cells.map((c, i) => (i < 3 ? escapeText(c) : c)).join(' | ')} |`;
  });
}

const fairnessName = (load: ReportLoad, fairness: boolean) => (load.setup.subject === 'api' ? 'your API as configured' : fairness ? 'fairness on' : 'fairness off');

/** Per-tenant latency, one table per fairness setting: the victims alone, then each contention step. */
function renderLatencyTables(load: ReportLoad): string[] {
  const blocks: string[] = [];
  const repeats = new Set(load.runs.map((r) => r.repeat)).size;
  for (const fairness of [false, true]) {
    const runs = load.runs.filter((r) => r.fairness === fairness);
    if (runs.length === 0) continue;
    const rows = tenantRows(load, 'alone (baseline)', runs.filter((r) => r.pattern === null));
    const steps = [...new Set(runs.filter((r) => r.pattern !== null).map((r) => `${r.pattern}\u0000${r.aggressorConnections}`))];
    for (const key of steps) {
      const [pattern, connections] = key.split('\u0000') as [string, string];
      rows.push(...tenantRows(load, `${pattern} ×${connections}`, runs.filter((r) => r.pattern === pattern && String(r.aggressorConnections) === connections)));
    }
    blocks.push(
      [
        `**Per-tenant latency, ${fairnessName(load, fairness)}** (ms, median of ${repeats} repeat${repeats === 1 ? '' : 's'})`,
        '',
        '| Load | Tenant | Plan | p50 | p95 | p99 | p99.9 | req/s | Errors | Rejected |',
        '|---|---|---|--:|--:|--:|--:|--:|--:|--:|',
        ...rows,
      ].join('\n'),
    );
  }
  return blocks;
}

const verdictMark = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' } as const;

/**
 * A step's verdict as shown. The reference app's fairness-off steps are measured, not gated:
 * their JSON verdict is `pass` whatever the ratio, and a green mark next to 19× would read as
 * "within budget". Only fairness-on steps, or a user's API, carry the gate.
 */
function stepVerdict(load: ReportLoad, step: ReportLoad['steps'][number]): string {
  return load.setup.subject === 'api' || step.fairness ? verdictMark[step.verdict] : '➖ not gated';
}

/**
 * The contention steps' verdicts against the budget. Kept in one function because the step
 * fields (`load.steps`) are the part of the report most likely to change.
 */
export function renderLoadSteps(load: ReportLoad): string {
  // Optional chaining although the type says present: a report written before a field existed
  // should render with a dash, not throw.
  const range = (r: { min: number; max: number } | undefined) => `${formatRatio(r?.min)}–${formatRatio(r?.max)}`;
  const rows = load.steps.map((s) => {
    const share = finite(s.aggressorDbShare) ? `${Math.round(s.aggressorDbShare * 100)}%` : '—';
    const cells = [escapeText(`${s.pattern} ×${s.aggressorConnections}`), fairnessName(load, s.fairness), stepVerdict(load, s), `**${formatRatio(s.ratio)}**`, range(s.ratioByRepeat)];
    cells.push(formatRatio(s.worstVictimRatio?.median), `${formatMs(s.victimP99Us)} vs ${formatMs(s.baselineP99Us)}`);
    cells.push(s.samples ? `${count.format(s.samples.contended)} / ${count.format(s.samples.alone)}` : '—');
    cells.push(`${count.format(s.victimErrors)} / ${count.format(s.victimRejected)}`, `${count.format(s.aggressorCompleted)} / ${count.format(s.aggressorRejected)}`, share);
    return `| ${cells.join(' | ')} |`;
  });
  return [
    `**Steps**: the gate is the victims' pooled p99 under contention ÷ alone (every victim request of every repeat), at most ${formatRatio(load.budgets.victimP99Ratio)}; victims' errors under ${(load.budgets.victimErrorRate * 100).toFixed(1)}%.`,
    '',
    "| Step | Setting | Verdict | p99 ratio | Per repeat | Worst victim (median) | Victims' p99 vs alone (ms) | Samples contended / alone | Victims' errors / rejected | Aggressor done / rejected | Aggressor DB share |",
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** The RLS overhead: the same light requests through the policies and bypassing them. */
function renderRlsOverhead(load: ReportLoad): string | null {
  const o = load.rlsOverhead;
  if (!o) return null;
  const side = (s: ReportLoadSample) => `${formatRate(s.throughput)} req/s, p50 ${formatMs(s.latencyUs.p50)} ms, p99 ${formatMs(s.latencyUs.p99)} ms`;
  return (
    `**RLS overhead**: through the policies ${side(o.withPolicies)}; ${escapeText(o.bypassingPolicies.label)} ${side(o.bypassingPolicies)}. ` +
    `Throughput ratio ${formatRatio(o.throughputRatio)}, p50 ratio ${formatRatio(o.p50Ratio)}.`
  );
}

/** The whole load section: context line, latency tables, steps, RLS overhead. */
export function renderLoadMarkdown(load: ReportLoad): string {
  const p = load.profile;
  const subject = load.setup.subject === 'api' ? 'your API' : 'the reference app (fairness off, then on)';
  const context =
    `Profile ${inlineCode(p.name)} against ${subject}: ${p.repeats} repeat(s) of ${p.stepSeconds} s steps, ` +
    `${load.setup.victims.length} victim(s) at ${formatRate(load.setup.victimRate)} req/s each, a pool of ${load.setup.poolSize} connections on ${load.setup.cores} core(s). ` +
    'Rejected: throttled answers (429, or 503 with Retry-After).';
  return ['### Noisy neighbour', context, ...renderLatencyTables(load), renderLoadSteps(load), renderRlsOverhead(load)].filter((b) => b !== null).join('\n\n');
}
