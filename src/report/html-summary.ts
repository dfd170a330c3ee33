import { severities } from '../core/check.ts';
import type { Report, ReportSeeding } from '../core/report.ts';
import { esc, formatCount, formatMillis } from './html-escape.ts';
import { labelBadge, severityBadge } from './html-parts.ts';

/**
 * The summary section of the HTML report: what ran against what (never credentials: the
 * report has none and this adds none), the counts by severity and verdict, each phase with its
 * status and reason, the seeding and the comparison with a baseline.
 */
export function renderSummary(report: Report): string {
  return [facts(report), counts(report), phases(report), seeding(report), baseline(report)].filter(Boolean).join('\n');
}

function facts(report: Report): string {
  const rows: [string, string][] = [['scenario', `${report.scenario.name}${report.scenario.file ? ` (${report.scenario.file})` : ''}`]];
  const t = report.target;
  rows.push(['target', t ? `${t.backend} PostgreSQL ${t.serverVersion}, database "${t.database}" on ${t.host}:${t.port}${t.writable ? '' : ' (read-only)'}, ready in ${formatMillis(t.startMs)}` : 'none: the run stopped before a database was ready']);
  const n = report.tenancy;
  if (n) {
    rows.push(['tenancy', `tenant column ${n.tenantColumns.join(', ')}${n.tenantTable ? `, registry ${n.tenantTable}` : ''}; subject: ${n.subject}`]);
    rows.push(['application role', `${n.appRole} (login: ${n.login}); tenant context ${n.context}`]);
    for (const note of n.inferred) rows.push(['inferred', note]);
  }
  rows.push(['seed', `${report.seed} (repeat the run with --seed ${report.seed})`]);
  rows.push(['tool', `${report.tool.name} ${report.tool.version}, report schema v${report.schemaVersion}`]);
  rows.push(['run', `${report.startedAt} → ${report.finishedAt} (${formatMillis(report.durationMs)})`]);
  rows.push(['fails on', `findings of severity ${report.failOn} or above`]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function counts(report: Report): string {
  const c = report.counts;
  const card = (n: number, label: string, cls: string) => `<div class="card ${cls}${n === 0 ? ' zero' : ''}"><div class="n">${formatCount(n)}</div><div class="l">${esc(label)}</div></div>`;
  const bySeverity = severities.map((s) => card(c.findings[s], s, `sev-${s}`)).join('');
  const other = [card(c.suppressed, 'suppressed', 'muted-card'), card(c.checks.fail, 'checks failed', ''), card(c.checks.inconclusive, 'inconclusive', ''), card(c.checks.pass, 'checks passed', '')].join('');
  return `<h3>Findings by severity</h3><div class="cards">${bySeverity}${other}</div><p class="muted small">Severity counts leave out suppressed findings${report.baseline ? ' and include findings already in the baseline' : ''}.</p>`;
}

function phases(report: Report): string {
  const rows = report.phases.map((p) => {
    const results = report.results.filter((r) => r.meta.kind === p.phase);
    const findings = results.reduce((n, r) => n + r.findings.length, 0);
    const status = p.status === 'ran' ? labelBadge('ran', 'v-pass') : p.status === 'failed' ? labelBadge('failed', 'v-fail') : labelBadge('not run', 'v-inconclusive');
    const timing = report.timings[p.phase];
    return `<tr><th scope="row">${esc(p.phase)}</th><td>${status}</td><td class="num">${formatCount(results.length)}</td><td class="num">${formatCount(findings)}</td><td class="num">${timing === undefined ? '—' : esc(formatMillis(timing))}</td><td>${esc(p.reason ?? '')}</td></tr>`;
  });
  const steps = Object.entries(report.timings).map(([k, v]) => `${k} ${formatMillis(v ?? 0)}`).join(' · ');
  return `<h3>Phases</h3><div class="table-wrap"><table class="data"><thead><tr><th scope="col">phase</th><th scope="col">status</th><th scope="col" class="num">checks</th><th scope="col" class="num">findings</th><th scope="col" class="num">time</th><th scope="col">reason</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${steps ? `<p class="muted small">Pipeline: ${esc(steps)}</p>` : ''}`;
}

function seeding(report: Report): string {
  const s = report.seeding;
  if (!s) return '';
  const problems = s.problems.length > 0 ? `<div class="callout callout-warn"><strong>${formatCount(s.problems.length)} table(s) could not be seeded</strong>; isolation there is untested:<ul>${s.problems.map((p) => `<li><code>${esc(p.table)}</code>: ${esc(p.reason)}</li>`).join('')}</ul></div>` : '';
  const ownership = (o: ReportSeeding['tables'][number]['ownership']) => {
    switch (o.kind) {
      case 'registry': return 'the tenant registry';
      case 'column': return `column ${o.column}`;
      case 'path': return `through ${o.via.join(' → ')}`;
      case 'referenced': return `referenced by ${o.by}`;
      case 'shared': return 'shared (no tenant)';
    }
  };
  const rows = s.tables.map(
    (t) => `<tr><th scope="row"><code>${esc(t.table)}</code></th><td>${esc(ownership(t.ownership))}</td><td class="num">${formatCount(t.rows)}</td><td>${esc(t.canaryColumns.join(', '))}</td><td>${esc(t.plainColumns.map((p) => `${p.column} (${p.reason})`).join(', '))}</td></tr>`,
  );
  const table = `<details class="raw"><summary>Seeded tables</summary><div class="table-wrap"><table class="data"><thead><tr><th scope="col">table</th><th scope="col">owner</th><th scope="col" class="num">rows</th><th scope="col">canary columns</th><th scope="col">plain columns</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></details>`;
  return `<h3>Seeding</h3><p>${formatCount(s.tenants)} tenants, ${formatCount(s.totalRows)} rows in ${formatCount(s.tables.length)} table(s), in ${esc(formatMillis(s.durationMs))}.</p>${problems}${table}`;
}

function baseline(report: Report): string {
  const b = report.baseline;
  if (!b) return '';
  const fixed = b.fixed.length > 0 ? `<details class="raw"><summary>${formatCount(b.fixed.length)} baseline finding(s) no longer present</summary><ul class="plain">${b.fixed.map((f) => `<li>${severityBadge(f.severity)} <code>${esc(f.checkId)}</code> ${esc(f.message)} <span class="muted small">${esc(f.fingerprint)}</span></li>`).join('')}</ul></details>` : '';
  return `<h3>Baseline</h3><p>Compared with <code>${esc(b.file)}</code> (written ${esc(b.createdAt)}): ${labelBadge(`${formatCount(b.counts.new)} new`, 'b-new')} ${labelBadge(`${formatCount(b.counts.existing)} existing`, 'b-existing')} ${labelBadge(`${formatCount(b.counts.fixed)} fixed`, 'v-pass')}. Only new findings gate the run.</p>${fixed}`;
}
