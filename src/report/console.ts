import { severities, type Severity } from '../core/check.ts';
import type { Report, ReportLoad } from '../core/report.ts';

const number = new Intl.NumberFormat('en-US');
const maxListed = 20;
const severityRank = (s: Severity) => severities.indexOf(s);

/** Milliseconds as `651 ms` or `2.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The end-of-run summary for a terminal or CI log: what ran against what, what was seeded,
 * each phase's status, and the verdict with its reason. Pure; `cli/` prints it.
 */
export function renderConsoleSummary(report: Report, reportPath?: string): string {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(9)}${text}`);
  row('scenario', `${report.scenario.name}${report.scenario.file ? ` (${report.scenario.file})` : ''}`);
  if (report.target) {
    const t = report.target;
    row('target', `${t.backend} PostgreSQL ${t.serverVersion}, database "${t.database}" on ${t.host}:${t.port} (ready in ${formatDuration(t.startMs)})`);
  }
  if (report.tenancy) {
    const t = report.tenancy;
    row('tenancy', `tenant column ${t.tenantColumns.join(', ')}${t.tenantTable ? `, registry ${t.tenantTable}` : ''}; app role ${t.appRole} (${t.login}); context ${t.context}`);
    for (const note of t.inferred) row('', `inferred ${note}`);
  }
  if (report.seeding) {
    const s = report.seeding;
    row(
      'seeded',
      `${s.tenants} tenants, ${number.format(s.totalRows)} rows in ${s.tables.length} tables in ${formatDuration(s.durationMs)} (${number.format(s.rowsPerSecond)} rows/s)`,
    );
    for (const problem of s.problems) row('', `could not seed ${problem.table}: ${problem.reason}`);
  }
  for (const phase of report.phases) {
    const findings = report.results.filter((r) => r.meta.kind === phase.phase).flatMap((r) => r.findings).length;
    const cases = report.results.filter((r) => r.meta.kind === phase.phase).reduce((n, r) => n + (r.stats?.['runs'] ?? 0), 0);
    const detail = phase.phase === 'attack' ? `, ${number.format(cases)} generated attacks` : phase.phase === 'http' ? `, ${number.format(cases)} generated cases` : '';
    const status = phase.status === 'ran' ? `ran, ${findings} finding(s)${detail}` : `${phase.status.replace('-', ' ')}${phase.reason ? ` (${phase.reason})` : ''}`;
    row(phase.phase, status);
    if (phase.phase === 'load' && report.load) for (const line of loadLines(report.load)) row('', line);
  }
  if (report.results.length > 0) lines.push(...phaseTable(report).map((line) => `${''.padEnd(9)}${line}`));
  const findings = report.results
    .flatMap((r) => r.findings)
    .filter((f) => !f.suppressed)
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  for (const finding of findings.slice(0, maxListed)) {
    const where = finding.location ? ` (${finding.location.file}:${finding.location.line})` : '';
    row('', `[${finding.severity}] ${finding.checkId}: ${finding.message}${where}`);
  }
  if (findings.length > maxListed) row('', `… and ${findings.length - maxListed} more in the report`);
  if (report.counts.suppressed > 0) row('', `${report.counts.suppressed} suppressed finding(s) not counted (see the report)`);
  if (report.error) {
    row('error', report.error.message);
    if (report.error.hint) row('', report.error.hint);
  }
  row('verdict', `${report.verdict.toUpperCase()}: ${report.verdictReason}`);
  if (!report.complete) row('', 'the report is INCOMPLETE');
  if (reportPath) row('report', reportPath);
  row('seed', `${report.seed} (repeat with --seed ${report.seed})`);
  return `${lines.join('\n')}\n`;
}

/**
 * Checks by verdict and unsuppressed findings by severity, one row per phase that has checks:
 * the final table of a run, aligned for a terminal or a CI log.
 */
export function phaseTable(report: Report): string[] {
  const header = ['', 'checks', 'pass', 'fail', 'inconcl.', ...severities];
  const rows = report.phases
    .map((p) => ({ phase: p.phase, results: report.results.filter((r) => r.meta.kind === p.phase) }))
    .filter((p) => p.results.length > 0)
    .map(({ phase, results }) => {
      const findings = results.flatMap((r) => r.findings).filter((f) => !f.suppressed);
      const verdicts = (['pass', 'fail', 'inconclusive'] as const).map((v) => results.filter((r) => r.verdict === v).length);
      return [phase, results.length, ...verdicts, ...severities.map((s) => findings.filter((f) => f.severity === s).length)].map(String);
    });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

// A ratio that was not measured is NaN in memory and null once through JSON.
const ratio = (x: number | null) => (x !== null && Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : Math.round(x)}×` : '—');

/** One line per contention step (fairness off vs on) and the RLS overhead. */
export function loadLines(load: ReportLoad): string[] {
  const lines: string[] = [];
  const keys = [...new Set(load.steps.map((s) => `${s.pattern} ×${s.aggressorConnections}`))];
  for (const key of keys) {
    const off = load.steps.find((s) => `${s.pattern} ×${s.aggressorConnections}` === key && !s.fairness);
    const on = load.steps.find((s) => `${s.pattern} ×${s.aggressorConnections}` === key && s.fairness);
    const gated = on ? `(budget ${load.budgets.victimP99Ratio}×; repeats ${ratio(on.ratioByRepeat.min)}–${ratio(on.ratioByRepeat.max)}, worst single victim ${ratio(Math.max(...on.victims.map((v) => v.ratio ?? Number.NaN)))}): ${on.verdict.toUpperCase()}` : '';
    lines.push(
      load.setup.subject === 'api'
        ? `${key}: victims' p99 ${on ? `${ratio(on.ratio)} with the app as configured ${gated}` : 'not measured'}`
        : `${key}: victims' p99 ${off ? ratio(off.ratio) : '—'} without fairness, ${on ? `${ratio(on.ratio)} with ${gated}` : 'not measured with fairness'}`,
    );
  }
  if (load.rlsOverhead) lines.push(`RLS overhead: ${ratio(load.rlsOverhead.throughputRatio)} the throughput of explicit filters alone (p50 ${ratio(load.rlsOverhead.p50Ratio)})`);
  return lines;
}
