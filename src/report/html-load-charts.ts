import type { ReportLoad, ReportLoadSample } from '../core/report.ts';
import { groupedBars, histogramPanel, ladderPanel, legend, type Bar, type HistogramSeries, type LadderSeries, type SeriesStyle } from './html-charts.ts';
import { esc, formatMicros, formatRatio } from './html-escape.ts';

/**
 * The load section's charts, built from `report.load`: victims' p99 per contention step with
 * fairness off and on, and per-tenant latency distributions (alone vs under contention) for
 * every step. Distributions come from the samples' histograms, merged over repeats; reports
 * from before histograms existed get percentile ladders instead.
 */

type Run = ReportLoad['runs'][number];
type Step = ReportLoad['steps'][number];

const styles = {
  alone: { label: 'alone (baseline)', cls: 's-alone' },
  off: { label: 'under contention, fairness off', cls: 's-off' },
  on: { label: 'under contention, fairness on', cls: 's-on' },
  api: { label: 'under contention (app as configured)', cls: 's-on' },
} satisfies Record<string, SeriesStyle>;

/** `heavy-reports ×50`: how a contention step is named everywhere in the report. */
export function stepKey(s: { pattern: string; aggressorConnections: number }): string {
  return `${s.pattern} ×${s.aggressorConnections}`;
}

/** The distinct step keys in the order the experiment ran them. */
export function stepKeys(load: ReportLoad): string[] {
  return [...new Set(load.steps.map(stepKey))];
}

const finite = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);
const median = (xs: number[]) => {
  const s = xs.filter(finite).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};

/** Sums the histograms of samples (repeats of the same tenant in the same condition). */
function mergeHistograms(samples: ReportLoadSample[]): { k: number; count: number }[] | null {
  if (samples.length === 0 || samples.some((s) => !s.histogram)) return null;
  const sum = new Map<number, number>();
  for (const s of samples) for (const b of s.histogram!) sum.set(b.k, (sum.get(b.k) ?? 0) + b.count);
  return [...sum].sort((a, b) => a[0] - b[0]).map(([k, count]) => ({ k, count }));
}

/** One panel's worth of data: a tenant under one fairness setting, alone and contended. */
interface PanelData {
  title: string;
  /** Victim panels share their y axis; the aggressor's (often throttled to one spike) gets its own. */
  scaleGroup: 'victim' | 'aggressor';
  series: { style: SeriesStyle; samples: ReportLoadSample[] }[];
}

function panelsFor(load: ReportLoad, key: string, fairness: boolean): PanelData[] {
  const contended = load.runs.filter((r) => r.pattern !== null && stepKey({ pattern: r.pattern, aggressorConnections: r.aggressorConnections }) === key && r.fairness === fairness);
  const alone = load.runs.filter((r) => r.pattern === null && r.fairness === fairness);
  const style = load.setup.subject === 'api' ? styles.api : fairness ? styles.on : styles.off;
  const labels = [...new Set(contended.flatMap((r) => r.victims.map((v) => v.label)))];
  const pick = (runs: Run[], label: string) => runs.flatMap((r) => r.victims.filter((v) => v.label === label));
  const panels: PanelData[] = labels.map((label) => ({
    title: label,
    scaleGroup: 'victim',
    series: [
      { style: styles.alone, samples: pick(alone, label) },
      { style, samples: pick(contended, label) },
    ],
  }));
  const aggressor = contended.flatMap((r) => (r.aggressor ? [r.aggressor] : []));
  if (aggressor.length > 0) panels.push({ title: `aggressor (tenant #${load.setup.aggressor.index})`, scaleGroup: 'aggressor', series: [{ style, samples: aggressor }] });
  return panels.map((p) => ({ ...p, series: p.series.filter((s) => s.samples.length > 0) }));
}

const percentiles = [
  ['p50', 'p50'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
] as const;

const hasHistograms = (panels: PanelData[]) => panels.every((p) => p.series.every((s) => s.samples.every((x) => x.histogram)));

/**
 * Draws panels that share their latency axis (and, per scale group, their y axis) so a figure
 * compares at a glance: histograms when every sample has one, else percentile ladders.
 */
function drawPanels(panels: PanelData[]): string[] {
  if (hasHistograms(panels)) {
    const merged = panels.map((p) => p.series.map((s) => ({ s, buckets: mergeHistograms(s.samples) ?? [] })));
    const all = merged.flat().flatMap((s) => s.buckets);
    if (all.length === 0) return panels.map((p) => `<p class="muted">${esc(p.title)}: no responses recorded.</p>`);
    const kRange: [number, number] = [Math.min(...all.map((b) => b.k)), Math.max(...all.map((b) => b.k)) + 1];
    const peak = (b: { k: number; count: number }[]) => (b.length === 0 ? 0 : Math.max(...b.map((x) => x.count)) / b.reduce((n, x) => n + x.count, 0));
    const yMax = (group: PanelData['scaleGroup']) => Math.max(0.01, ...merged.filter((_, i) => panels[i]!.scaleGroup === group).flat().map(({ buckets }) => peak(buckets)));
    const yMaxes = { victim: yMax('victim'), aggressor: yMax('aggressor') };
    return panels.map((p, i) =>
      histogramPanel(
        p.title,
        merged[i]!.map(({ s, buckets }): HistogramSeries => ({
          ...s.style,
          buckets,
          note: `p99 ${formatMicros(median(s.samples.map((x) => x.latencyUs.p99)))} (median over ${s.samples.length} run(s))`,
        })),
        kRange,
        yMaxes[p.scaleGroup],
      ),
    );
  }
  const ladders = panels.map((p) =>
    p.series.map((s): LadderSeries => ({ ...s.style, points: percentiles.map(([label, field]) => ({ label, us: median(s.samples.map((x) => x.latencyUs[field])) })) })),
  );
  const values = ladders.flat().flatMap((s) => s.points.map((p) => p.us)).filter((v) => finite(v) && v > 0);
  const range: [number, number] = values.length > 0 ? [Math.min(...values), Math.max(...values)] : [100, 1000];
  return panels.map((p, i) => ladderPanel(p.title, ladders[i]!, range));
}

/**
 * Per-tenant latency distributions for one contention step: a row of panels per fairness
 * setting, one panel per victim (alone vs contended) and one for the aggressor.
 */
export function stepLatencyFigure(load: ReportLoad, key: string): string {
  const settings = [...new Set(load.steps.filter((s) => stepKey(s) === key).map((s) => s.fairness))].sort((a, b) => Number(a) - Number(b));
  const rows = settings.map((fairness) => ({ fairness, panels: panelsFor(load, key, fairness) })).filter((row) => row.panels.length > 0);
  if (rows.length === 0) return '<p class="muted">No runs were recorded for this step.</p>';
  const all = rows.flatMap((row) => row.panels);
  const used = new Map<string, SeriesStyle>();
  for (const p of all) for (const s of p.series) used.set(s.style.cls + s.style.label, s.style);
  const drawn = drawPanels(all);
  let at = 0;
  const heading = (fairness: boolean) =>
    load.setup.subject === 'api' ? 'Your API, as configured (gated)' : fairness ? 'Fairness on (gated)' : 'Fairness off (measured, not gated)';
  const body = rows
    .map((row) => {
      const svgs = drawn.slice(at, (at += row.panels.length));
      return `<h4 class="panel-row">${esc(heading(row.fairness))}</h4><div class="panels">${svgs.join('')}</div>`;
    })
    .join('');
  const caption = hasHistograms(all)
    ? `Latency of each tenant's requests during ${esc(key)}, merged over the repeats: share of that tenant's requests per latency bucket (ten buckets a decade, log scale). All panels share the latency axis; victim panels share the vertical axis, the aggressor's has its own.`
    : `Latency percentiles of each tenant's requests during ${esc(key)} (median over the repeats; this report carries no histograms). All panels share their axes.`;
  return `<figure class="chart-figure">${body}${legend([...used.values()])}<figcaption>${caption}</figcaption></figure>`;
}

/** Victims' pooled p99 per step, fairness off vs on, with the baseline and the budget marked. */
export function p99Chart(load: ReportLoad): string {
  const groups = stepKeys(load).map((key) => ({
    label: key,
    bars: load.steps
      .filter((s) => stepKey(s) === key && finite(s.victimP99Us) && s.victimP99Us > 0)
      .sort((a, b) => Number(a.fairness) - Number(b.fairness))
      .map((s): Bar => stepBar(load, s)),
  }));
  if (groups.every((g) => g.bars.length === 0)) return '<p class="muted">No contention step produced a victim p99.</p>';
  const series = load.setup.subject === 'api' ? [styles.api] : [styles.off, styles.on];
  const marks: SeriesStyle[] = [
    { label: 'p99 alone (baseline)', cls: 's-mark-baseline' },
    { label: `budget: baseline × ${load.budgets.victimP99Ratio}`, cls: 's-mark-budget' },
    { label: 'range over individual victims', cls: 's-whisker' },
  ];
  const svg = groupedBars("Victims' p99 latency per contention step, fairness off vs on", "victims' p99", groups);
  return `<figure class="chart-figure">${svg}${legend([...series, ...marks])}<figcaption>Bar: p99 of every victim request under contention, pooled over the repeats (the gated number). Whisker: the lowest and highest individual victim's p99. Marks: the pooled p99 of the same victims alone, and the budget.</figcaption></figure>`;
}

function stepBar(load: ReportLoad, s: Step): Bar {
  const style = load.setup.subject === 'api' ? styles.api : s.fairness ? styles.on : styles.off;
  const mine = (s.victims ?? []).map((v) => v.p99Us).filter(finite);
  const marks = finite(s.baselineP99Us) && s.baselineP99Us > 0
    ? [
        { label: 'p99 alone', cls: 's-mark-baseline', value: s.baselineP99Us },
        { label: 'budget', cls: 's-mark-budget', value: s.baselineP99Us * load.budgets.victimP99Ratio },
      ]
    : [];
  return {
    ...style,
    value: s.victimP99Us,
    min: mine.length > 0 ? Math.min(...mine) : s.victimP99Us,
    max: mine.length > 0 ? Math.max(...mine) : s.victimP99Us,
    marks,
    title: `${stepKey(s)}, ${style.label}: victims' p99 ${formatMicros(s.victimP99Us)} vs ${formatMicros(s.baselineP99Us)} alone = ${formatRatio(s.ratio)} (budget ${load.budgets.victimP99Ratio}×), ${s.verdict}`,
  };
}

/** The RLS overhead's two runs (through policies, bypassing them) as one distribution panel. */
export function rlsOverheadFigure(overhead: NonNullable<ReportLoad['rlsOverhead']>): string {
  const panels: PanelData[] = [
    {
      title: 'same queries, with and without RLS',
      scaleGroup: 'victim',
      series: [
        { style: { label: overhead.withPolicies.label, cls: 's-off' }, samples: [overhead.withPolicies] },
        { style: { label: overhead.bypassingPolicies.label, cls: 's-alone' }, samples: [overhead.bypassingPolicies] },
      ],
    },
  ];
  const styles2 = panels[0]!.series.map((s) => s.style);
  return `<figure class="chart-figure"><div class="panels">${drawPanels(panels).join('')}</div>${legend(styles2)}<figcaption>Latency of the same closed-loop workload through the policies and bypassing them.</figcaption></figure>`;
}
