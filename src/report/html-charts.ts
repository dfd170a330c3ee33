import { esc, formatMicros } from './html-escape.ts';

/**
 * Inline SVG charts for the HTML report: no script, no external asset, colours from CSS
 * classes (`s-<name>` in html-style.ts) so the page's one stylesheet governs them. Every chart
 * is an `<svg role="img">` whose first child is a `<title>` (its accessible name), with
 * labelled axes, units and a legend; every mark carries its own `<title>` with the numbers.
 * Coordinates are rounded to 0.1 so the output is stable and compact.
 */

/** A series' name, shown in the legend, and its colour class (`s-alone`, `s-off`, …). */
export interface SeriesStyle {
  label: string;
  cls: string;
}

/** One latency distribution: bucket k holds latencies in [10^(k/10), 10^((k+1)/10)) µs. */
export interface HistogramSeries extends SeriesStyle {
  buckets: { k: number; count: number }[];
  /** Shown in the mark's title: e.g. the median p99 over repeats. */
  note: string;
}

/** Latency percentiles of one series, in µs (the fallback when a report has no histograms). */
export interface LadderSeries extends SeriesStyle {
  points: { label: string; us: number }[];
}

/** One bar of a grouped bar chart, with the range over repeats and reference marks. */
export interface Bar extends SeriesStyle {
  value: number;
  min: number;
  max: number;
  /** Reference marks drawn across the bar (e.g. the baseline and the budget). */
  marks: { label: string; cls: string; value: number }[];
  title: string;
}

const r = (x: number) => String(Math.round(x * 10) / 10);

/** A linear or log10 scale from a data domain onto a pixel range. */
interface Scale {
  (v: number): number;
  ticks: { value: number; label: string }[];
}

/** Decade ticks (1, 2, 5 × 10^n when the range is narrow), labelled as latencies. */
function logTicks(min: number, max: number): { value: number; label: string }[] {
  const ticks: number[] = [];
  for (let d = Math.floor(Math.log10(min)); d <= Math.ceil(Math.log10(max)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  const decades = ticks.filter((v) => Number.isInteger(Math.log10(v)));
  return (ticks.length > 8 && decades.length >= 2 ? decades : ticks).map((value) => ({ value, label: formatMicros(value) }));
}

/** A log scale over µs; the domain is widened to whole decades so the ticks frame the data. */
export function logScale(min: number, max: number, from: number, to: number): Scale {
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, min)));
  const hi = Math.max(lo * 10, 10 ** Math.ceil(Math.log10(Math.max(1, max))));
  const f = ((v: number) => from + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (to - from)) as Scale;
  f.ticks = logTicks(lo, hi);
  return f;
}

/** A linear scale from 0 to a rounded-up maximum, with four or five ticks. */
export function linearScale(max: number, from: number, to: number, label: (v: number) => string): Scale {
  const raw = max > 0 ? max / 4 : 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const f = ((v: number) => from + (v / top) * (to - from)) as Scale;
  f.ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) f.ticks.push({ value: v, label: label(v) });
  return f;
}

/** The chart frame: the svg element with its accessible title, size and classes. */
function svg(title: string, width: number, height: number, body: string[]): string {
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>${body.join('')}</svg>`;
}

/** A legend as HTML (it wraps and stays readable at any width), one swatch per series. */
export function legend(items: SeriesStyle[]): string {
  const entries = items.map((s) => `<li><span class="swatch ${esc(s.cls)}" aria-hidden="true"></span>${esc(s.label)}</li>`);
  return `<ul class="legend">${entries.join('')}</ul>`;
}

/** Plot box shared by the small-multiple panels. */
const panel = { width: 290, height: 190, left: 46, right: 18, top: 24, bottom: 40 };

/** The y axis with grid lines and tick labels. */
function yAxis(scale: Scale, x0: number, x1: number, label: string, midY: number): string {
  const lines = scale.ticks.map(
    (t) => `<line class="grid" x1="${r(x0)}" x2="${r(x1)}" y1="${r(scale(t.value))}" y2="${r(scale(t.value))}"/><text class="tick" x="${r(x0 - 4)}" y="${r(scale(t.value) + 3)}" text-anchor="end">${esc(t.label)}</text>`,
  );
  return `${lines.join('')}<text class="axis-label" transform="translate(11 ${r(midY)}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`;
}

/** The x axis of a latency panel: log ticks and the unit. */
function xAxisLatency(scale: Scale, y: number, label: string, midX: number): string {
  const ticks = scale.ticks.map(
    (t) => `<line class="axis" x1="${r(scale(t.value))}" x2="${r(scale(t.value))}" y1="${r(y)}" y2="${r(y + 4)}"/><text class="tick" x="${r(scale(t.value))}" y="${r(y + 14)}" text-anchor="middle">${esc(t.label)}</text>`,
  );
  return `<line class="axis" x1="${panel.left}" x2="${panel.width - panel.right}" y1="${r(y)}" y2="${r(y)}"/>${ticks.join('')}<text class="axis-label" x="${r(midX)}" y="${r(y + 30)}" text-anchor="middle">${esc(label)}</text>`;
}

/**
 * One histogram panel: each series as a stepped outline over log-spaced buckets, heights as a
 * share of that series' requests so runs of different sizes compare. `kRange` and `yMax` are
 * shared by the panels of one figure so they can be compared at a glance.
 */
export function histogramPanel(title: string, series: HistogramSeries[], kRange: [number, number], yMax: number): string {
  const { width, height, left, right, top, bottom } = panel;
  const x = logScale(10 ** (kRange[0] / 10), 10 ** (kRange[1] / 10), left, width - right);
  const y = linearScale(yMax * 100, height - bottom, top, (v) => `${v} %`);
  const body: string[] = [`<text class="panel-title" x="${left}" y="13">${esc(title)}</text>`];
  body.push(yAxis(y, left, width - right, 'share of requests', (top + height - bottom) / 2));
  for (const s of series) {
    const total = s.buckets.reduce((n, b) => n + b.count, 0);
    if (total === 0) continue;
    const byK = new Map(s.buckets.map((b) => [b.k, b.count]));
    const ks = s.buckets.map((b) => b.k);
    const first = Math.min(...ks);
    const last = Math.max(...ks);
    const base = y(0);
    const points: string[] = [`${r(x(10 ** (first / 10)))},${r(base)}`];
    for (let k = first; k <= last; k++) {
      const h = y(((byK.get(k) ?? 0) / total) * 100);
      points.push(`${r(x(10 ** (k / 10)))},${r(h)}`, `${r(x(10 ** ((k + 1) / 10)))},${r(h)}`);
    }
    points.push(`${r(x(10 ** ((last + 1) / 10)))},${r(base)}`);
    const tip = `${s.label}: ${total} requests, ${formatMicros(10 ** (first / 10))} to ${formatMicros(10 ** ((last + 1) / 10))}; ${s.note}`;
    body.push(`<polygon class="hist ${esc(s.cls)}" points="${points.join(' ')}"><title>${esc(tip)}</title></polygon>`);
  }
  body.push(xAxisLatency(x, height - bottom, 'latency (log scale)', (left + width - right) / 2));
  return svg(title, width, height, body);
}

/** One percentile panel: p50 … max per series on a log latency axis (reports without histograms). */
export function ladderPanel(title: string, series: LadderSeries[], usRange: [number, number]): string {
  const { width, height, left, right, top, bottom } = panel;
  const y = logScale(usRange[0], usRange[1], height - bottom, top);
  const labels = series[0]?.points.map((p) => p.label) ?? [];
  const step = (width - left - right) / Math.max(1, labels.length);
  const x = (i: number) => left + step * (i + 0.5);
  const body: string[] = [`<text class="panel-title" x="${left}" y="13">${esc(title)}</text>`];
  body.push(yAxis(y, left, width - right, 'latency (log scale)', (top + height - bottom) / 2));
  body.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`);
  labels.forEach((l, i) => body.push(`<text class="tick" x="${r(x(i))}" y="${height - bottom + 14}" text-anchor="middle">${esc(l)}</text>`));
  body.push(`<text class="axis-label" x="${r((left + width - right) / 2)}" y="${height - bottom + 30}" text-anchor="middle">percentile</text>`);
  for (const s of series) {
    const pts = s.points.map((p, i) => `${r(x(i))},${r(y(p.us))}`);
    body.push(`<polyline class="ladder ${esc(s.cls)}" points="${pts.join(' ')}"/>`);
    s.points.forEach((p, i) => body.push(`<circle class="dot ${esc(s.cls)}" cx="${r(x(i))}" cy="${r(y(p.us))}" r="3"><title>${esc(`${s.label}: ${p.label} ${formatMicros(p.us)}`)}</title></circle>`));
  }
  return svg(title, width, height, body);
}

/**
 * Grouped bars (one group per step, one bar per series) with a whisker for the range over
 * repeats and reference marks across each bar. Log scale when the values span more than a
 * factor of 20, so a 5 ms baseline and a 200 ms contended p99 both stay readable.
 */
export function groupedBars(title: string, axisLabel: string, groups: { label: string; bars: Bar[] }[]): string {
  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.min, b.max, ...b.marks.map((m) => m.value)])).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const left = 64;
  const right = 12;
  const top = 20;
  const bottom = 48;
  const barWidth = 44;
  const groupGap = 48;
  const perGroup = Math.max(1, ...groups.map((g) => g.bars.length));
  const groupWidth = perGroup * (barWidth + 6) + groupGap;
  const width = Math.max(480, left + right + groups.length * groupWidth);
  const height = 260;
  const log = hi / lo > 20;
  const y = log ? logScale(lo, hi, height - bottom, top) : linearScale(hi, height - bottom, top, formatMicros);
  const body: string[] = [yAxis(y, left, width - right, `${axisLabel}${log ? ' (log scale)' : ''}`, (top + height - bottom) / 2)];
  body.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`);
  // Groups centred in the plot, so a single step does not hug the axis.
  const offset = left + (width - left - right - groups.length * groupWidth) / 2;
  groups.forEach((g, gi) => {
    const gx = offset + groupGap / 2 + gi * groupWidth;
    g.bars.forEach((b, bi) => {
      const bx = gx + bi * (barWidth + 6);
      const top0 = y(b.value);
      body.push(`<rect class="bar ${esc(b.cls)}" x="${r(bx)}" y="${r(top0)}" width="${barWidth}" height="${r(Math.max(0, height - bottom - top0))}"><title>${esc(b.title)}</title></rect>`);
      const cx = bx + barWidth / 2;
      body.push(`<line class="whisker" x1="${r(cx)}" x2="${r(cx)}" y1="${r(y(b.min))}" y2="${r(y(b.max))}"/><line class="whisker" x1="${r(cx - 5)}" x2="${r(cx + 5)}" y1="${r(y(b.max))}" y2="${r(y(b.max))}"/><line class="whisker" x1="${r(cx - 5)}" x2="${r(cx + 5)}" y1="${r(y(b.min))}" y2="${r(y(b.min))}"/>`);
      body.push(`<text class="bar-value" x="${r(cx)}" y="${r(Math.min(y(b.max), top0) - 5)}" text-anchor="middle">${esc(formatMicros(b.value))}</text>`);
      for (const m of b.marks) {
        body.push(`<line class="mark ${esc(m.cls)}" x1="${r(bx - 3)}" x2="${r(bx + barWidth + 3)}" y1="${r(y(m.value))}" y2="${r(y(m.value))}"><title>${esc(`${b.label}: ${m.label} ${formatMicros(m.value)}`)}</title></line>`);
      }
    });
    const mid = gx + (g.bars.length * (barWidth + 6) - 6) / 2;
    body.push(`<text class="tick group-label" x="${r(mid)}" y="${height - bottom + 16}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  body.push(`<text class="axis-label" x="${r((left + width - right) / 2)}" y="${height - 8}" text-anchor="middle">contention step (aggressor pattern × connections)</text>`);
  return svg(title, width, height, body);
}
