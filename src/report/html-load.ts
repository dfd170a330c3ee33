import type { ReportLoad, ReportLoadSample } from '../core/report.ts';
import { esc, formatCount, formatMicros, formatMillis, formatPercent, formatRatio } from './html-escape.ts';
import { p99Chart, rlsOverheadFigure, stepKey, stepKeys, stepLatencyFigure } from './html-load-charts.ts';
import { verdictBadge } from './html-parts.ts';

/**
 * The load section of the HTML report: what the noisy-neighbour experiment ran and with which
 * limits, the victims' p99 per step (chart and table), per-tenant latency distributions, the
 * edge points and the RLS overhead. A pure function of `report.load`.
 */
export function renderLoadSection(load: ReportLoad | undefined, phaseNote: string): string {
  if (!load) return `<p class="muted">${esc(phaseNote)}</p>`;
  const keys = stepKeys(load);
  const firstOpen = keys.find((k) => load.steps.some((s) => stepKey(s) === k && s.verdict !== 'pass')) ?? keys[0];
  const figures = keys.map(
    (key) =>
      `<details class="load-step"${key === firstOpen ? ' open' : ''}><summary><span class="summary-title">Latency distributions during ${esc(key)}</span></summary>${stepLatencyFigure(load, key)}</details>`,
  );
  return [
    loadSetup(load),
    '<h3>Victims\u2019 p99 per contention step</h3>',
    p99Chart(load),
    loadStepTable(load),
    edgePoints(load),
    '<h3>Per-tenant latency</h3>',
    figures.join(''),
    rlsOverhead(load.rlsOverhead),
  ].join('\n');
}

function loadSetup(load: ReportLoad): string {
  const s = load.setup;
  const p = load.profile;
  const b = load.budgets;
  const rows: [string, string][] = [
    ['subject', s.subject === 'reference' ? 'the reference app, fairness off then on' : 'your API, as configured (gated)'],
    ['profile', `${p.name}: ${p.patterns.join(', ')} at ${p.aggressorSteps.join(', ')} aggressor connection(s); ${p.stepSeconds} s a step, ${p.repeats} repeat(s)`],
    ['aggressor', `tenant #${s.aggressor.index} (${s.aggressor.id}, plan ${s.aggressor.plan})`],
    ['victims', `${s.victims.map((v) => `tenant #${v.index} (plan ${v.plan})`).join(', ')}; each ${s.victimRate} req/s open loop over ${s.victimConnections} connection(s)`],
    ['machine', `${s.cores} core(s), database pool of ${s.poolSize}`],
    ['budgets', `victims' p99 within ${b.victimP99Ratio}× alone; error rate ≤ ${formatPercent(b.victimErrorRate)}; ≥ ${formatCount(b.minSamples)} samples; omitted sends ≤ ${formatPercent(b.maxOmittedRate)}`],
    ['duration', formatMillis(load.durationMs)],
  ];
  const fairness = s.fairness === null || s.fairness === undefined ? '' : `<details class="raw"><summary>fairness limits of the reference app</summary><pre>${esc(JSON.stringify(s.fairness, null, 2))}</pre></details>`;
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>${fairness}`;
}

/**
 * The table of contention steps. Kept in one function so it follows `ReportLoad['steps']`
 * when that shape changes: every field of a step shown here is read here and nowhere else
 * in this file. Fields added by the pooled-ratio rework (`ratioByRepeat`, `worstVictimRatio`,
 * `samples`, `victims`) are read defensively: a report written before them still renders, with
 * dashes.
 */
export function loadStepTable(load: ReportLoad): string {
  const gated = (fairness: boolean) => load.setup.subject === 'api' || fairness;
  const rows = load.steps.map((s) => {
    const range = s.ratioByRepeat ? `${formatRatio(s.ratioByRepeat.min)}–${formatRatio(s.ratioByRepeat.max)}` : '—';
    const worst = s.worstVictimRatio ? formatRatio(s.worstVictimRatio.max) : '—';
    const victims = (s.victims ?? []).map((v) => `${v.label}: ${formatMicros(v.p99Us)} vs ${formatMicros(v.baselineP99Us)} alone, ${formatRatio(v.ratio)}`);
    const reasons = [...victims, ...s.reasons];
    const cells = [
      `<th scope="row">${esc(stepKey(s))}</th>`,
      `<td>${load.setup.subject === 'api' ? 'as configured' : s.fairness ? 'on' : 'off'}</td>`,
      `<td class="num">${esc(formatMicros(s.victimP99Us))}</td>`,
      `<td class="num">${esc(formatMicros(s.baselineP99Us))}</td>`,
      `<td class="num strong">${esc(formatRatio(s.ratio))}<span class="sub-num">repeats ${esc(range)}</span></td>`,
      `<td class="num">${esc(worst)}</td>`,
      `<td class="num">${esc(s.samples ? `${formatCount(s.samples.contended)} / ${formatCount(s.samples.alone)}` : '—')}</td>`,
      `<td class="num">${esc(s.jain ? s.jain.median.toFixed(3) : '—')}</td>`,
      `<td class="num">${esc(`${formatCount(s.victimRejected)} / ${formatCount(s.victimErrors)}`)}</td>`,
      `<td class="num">${esc(`${formatCount(s.aggressorCompleted)} / ${formatCount(s.aggressorRejected)}`)}</td>`,
      `<td class="num">${esc(formatPercent(s.aggressorDbShare))}</td>`,
      `<td>${gated(s.fairness) ? verdictBadge(s.verdict) : '<span class="badge b-muted">not gated</span>'}</td>`,
    ].join('');
    // The reasons (per victim, per repeat) are long sentences: a full-width row under the step, collapsed.
    const why = reasons.length === 0 ? '' : `<tr class="reasons-row"><td colspan="12"><details class="reasons"><summary>why: ${reasons.length} line(s) for ${esc(stepKey(s))}, fairness ${s.fairness ? 'on' : 'off'}</summary><ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></details></td></tr>`;
    return `<tr class="step-row">${cells}</tr>${why}`;
  });
  const head = ['step', 'fairness', 'victims p99', 'alone p99', 'ratio', 'worst victim', 'samples contended / alone', 'Jain index', 'victims rejected / errors', 'aggressor 2xx / rejected', 'aggressor DB time', 'verdict'];
  return `<div class="table-wrap"><table class="data load-steps"><caption>Contention steps: victims' p99 pooled over every repeat, contended ÷ alone (the gated ratio, budget ${esc(load.budgets.victimP99Ratio)}×).</caption><thead><tr>${head.map((h, i) => `<th scope="col"${i >= 2 && i <= 10 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function edgePoints(load: ReportLoad): string {
  if (load.edgePoints.length === 0) return '';
  const items = load.edgePoints.map((e) => {
    const setting = load.setup.subject === 'api' ? '' : e.fairness ? ', fairness on' : ', fairness off';
    const text = e.edge === null ? `stayed within ${e.objectiveRatio}× alone at every measured step` : `exceeded ${e.objectiveRatio}× alone from ${e.edge} aggressor connection(s) on`;
    return `<li><strong>${esc(e.pattern)}${esc(setting)}</strong>: victims' p99 ${esc(text)}</li>`;
  });
  return `<h3>Edge points</h3><ul class="plain">${items.join('')}</ul>`;
}

function sampleRow(s: ReportLoadSample): string {
  const l = s.latencyUs;
  const cells = [formatCount(s.completed), `${formatCount(Math.round(s.throughput))}/s`, formatMicros(l.p50), formatMicros(l.p95), formatMicros(l.p99), formatMicros(l.p999), formatMicros(l.max), formatCount(s.errors)];
  return `<tr><th scope="row">${esc(s.label)}</th>${cells.map((c) => `<td class="num">${esc(c)}</td>`).join('')}</tr>`;
}

function rlsOverhead(overhead: ReportLoad['rlsOverhead']): string {
  if (!overhead) return '<h3>RLS overhead</h3><p class="muted">Not measured in this run.</p>';
  const head = ['run', 'responses', 'throughput', 'p50', 'p95', 'p99', 'p99.9', 'max', 'errors'].map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${h}</th>`).join('');
  return [
    '<h3>RLS overhead</h3>',
    `<p>Through the policies, the same workload ran at <strong>${esc(formatRatio(overhead.throughputRatio))}</strong> the throughput of explicit tenant filters alone, with <strong>${esc(formatRatio(overhead.p50Ratio))}</strong> the median latency.</p>`,
    `<div class="table-wrap"><table class="data"><thead><tr>${head}</tr></thead><tbody>${sampleRow(overhead.withPolicies)}${sampleRow(overhead.bypassingPolicies)}</tbody></table></div>`,
    rlsOverheadFigure(overhead),
  ].join('');
}
