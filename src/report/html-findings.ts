import { isGating, severities, type CheckResult, type Finding, type Severity } from '../core/check.ts';
import type { Report } from '../core/report.ts';
import { esc, formatCount, formatMillis } from './html-escape.ts';
import { labelBadge, severityBadge } from './html-parts.ts';

/**
 * The findings section of the HTML report: one collapsible group per failing check (title,
 * id, kind, severity, description, remediation), each finding with its message, location,
 * evidence, reproduction and replay; then checks that passed with findings below the
 * threshold or suppressed, the inconclusive checks with their reason, and the list of checks
 * that passed. Groups that gate the run start open; the rest start closed.
 */

const rank = (s: Severity) => severities.indexOf(s);

/** The most severe unsuppressed finding of a check, else its declared severity. */
function worstSeverity(result: CheckResult): Severity {
  const live = result.findings.filter((f) => !f.suppressed);
  return live.length > 0 ? live.reduce((w, f) => (rank(f.severity) < rank(w) ? f.severity : w), live[0]!.severity) : result.meta.severity;
}

/** Sorted most severe first; ties keep the report's order (Array.prototype.sort is stable). */
const bySeverity = (a: CheckResult, b: CheckResult) => rank(worstSeverity(a)) - rank(worstSeverity(b));

/** The findings section body. */
export function renderFindings(report: Report): string {
  const failing = report.results.filter((r) => r.verdict === 'fail').sort(bySeverity);
  const other = report.results.filter((r) => r.verdict === 'pass' && r.findings.length > 0).sort(bySeverity);
  const inconclusive = report.results.filter((r) => r.verdict === 'inconclusive');
  const passed = report.results.filter((r) => r.verdict === 'pass');
  const parts: string[] = [];
  if (report.results.length === 0) {
    parts.push('<p class="muted">No check ran, so there are no findings to show. This is not a pass: see the verdict above.</p>');
    return parts.join('\n');
  }
  const total = report.results.reduce((n, r) => n + r.findings.length, 0);
  parts.push(
    `<p>${formatCount(total)} finding(s) from ${formatCount(report.results.length)} check(s): ${formatCount(failing.length)} failing, ${formatCount(inconclusive.length)} inconclusive, ${formatCount(passed.length)} passed. The run fails on <strong>${esc(report.failOn)}</strong> and above.</p>`,
  );
  if (failing.length > 1) parts.push(checkIndex(failing));
  if (failing.length > 0) parts.push(`<div class="groups failing">${failing.map((r) => checkGroup(r, report)).join('\n')}</div>`);
  else parts.push('<div class="callout callout-pass">No check failed.</div>');
  if (inconclusive.length > 0) {
    const items = inconclusive.map(
      (r) => `<li id="check-${esc(r.meta.id)}">${labelBadge('INCONCLUSIVE', 'v-inconclusive')} <strong>${esc(r.meta.title)}</strong> <code>${esc(r.meta.id)}</code> <span class="muted">(${esc(r.meta.kind)})</span><div class="reason">${esc(r.error ?? 'the check could not decide (no reason recorded)')}</div></li>`,
    );
    parts.push(`<h3>Inconclusive checks</h3><p>These checks could not decide; isolation there is untested, not proven.</p><ul class="inconclusive">${items.join('')}</ul>`);
  }
  if (other.length > 0) {
    parts.push(`<h3>Passing checks with findings</h3><p class="muted">Findings below the fail threshold, or suppressed: shown, not gating.</p><div class="groups other">${other.map((r) => checkGroup(r, report)).join('\n')}</div>`);
  }
  if (passed.length > 0) {
    const items = passed.map((r) => `<li><code>${esc(r.meta.id)}</code> <span class="muted">${esc(r.meta.kind)}</span> ${esc(r.meta.title)}</li>`);
    parts.push(`<details class="passed"><summary><span class="summary-title">${formatCount(passed.length)} check(s) passed</span></summary><ul class="passed-list">${items.join('')}</ul></details>`);
  }
  return parts.join('\n');
}

/** A compact table of the failing checks, each linking to its group: the way into a long report. */
function checkIndex(failing: CheckResult[]): string {
  const rows = failing.map((r) => {
    const live = r.findings.filter((f) => !f.suppressed).length;
    return `<tr><td>${severityBadge(worstSeverity(r))}</td><td><a href="#check-${esc(r.meta.id)}">${esc(r.meta.title)}</a></td><td><code>${esc(r.meta.id)}</code></td><td>${esc(r.meta.kind)}</td><td class="num">${formatCount(live)}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="data index"><caption>Failing checks, most severe first</caption><thead><tr><th scope="col">severity</th><th scope="col">check</th><th scope="col">id</th><th scope="col">phase</th><th scope="col" class="num">findings</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function checkGroup(result: CheckResult, report: Report): string {
  const m = result.meta;
  const findings = [...result.findings].sort((a, b) => rank(a.severity) - rank(b.severity));
  const gating = findings.some((f) => isGating(f, report.failOn));
  const suppressed = findings.filter((f) => f.suppressed).length;
  const count = `${formatCount(findings.length)} finding(s)${suppressed > 0 ? `, ${formatCount(suppressed)} suppressed` : ''}`;
  const summary = `<summary>${severityBadge(worstSeverity(result))} <span class="summary-title">${esc(m.title)}</span> <code>${esc(m.id)}</code> ${labelBadge(m.kind, 'b-kind')} <span class="count">${esc(count)}</span></summary>`;
  const meta = `<div class="check-meta"><p>${esc(m.description)}</p><p class="remediation"><strong>Remediation.</strong> ${esc(m.remediation)}</p><p class="muted small">Declared severity ${esc(m.severity)} · verdict ${esc(result.verdict)} · ${esc(formatMillis(result.durationMs))}${result.error ? ` · ${esc(result.error)}` : ''}</p></div>`;
  const body = findings.length > 0 ? `<ol class="findings">${findings.map((f) => `<li>${findingBlock(f)}</li>`).join('')}</ol>` : '<p class="muted">The check failed without a finding.</p>';
  return `<details class="check-group" id="check-${esc(m.id)}" data-verdict="${esc(result.verdict)}"${gating ? ' open' : ''}>${summary}${meta}${body}</details>`;
}

function findingBadges(f: Finding): string {
  const badges: string[] = [severityBadge(f.severity)];
  if (f.suppressed) badges.push(labelBadge('suppressed', 'b-suppressed', `suppressed: ${f.suppressed.reason}`));
  if (f.baseline === 'existing') badges.push(labelBadge('existing (in baseline)', 'b-existing'));
  if (f.baseline === 'new') badges.push(labelBadge('new', 'b-new'));
  if (f.confirmation === 'confirmed') badges.push(labelBadge('confirmed by attack', 'b-confirmed'));
  return badges.join(' ');
}

/** `file:line[:column]`. */
function where(f: Finding): string {
  return f.location ? `${f.location.file}:${f.location.line}${f.location.column !== undefined ? `:${f.location.column}` : ''}` : '';
}

function findingBlock(f: Finding): string {
  const cls = ['finding', f.suppressed ? 'is-suppressed' : '', f.baseline === 'existing' ? 'is-existing' : ''].filter(Boolean).join(' ');
  const loc = where(f);
  const summary = `<summary>${findingBadges(f)} <span class="message">${esc(f.message)}</span>${loc ? ` <code class="location">${esc(loc)}</code>` : ''}</summary>`;
  const facts: [string, string][] = [];
  if (f.suppressed) facts.push(['suppressed', `${f.suppressed.reason}${f.suppressed.expires ? ` (until ${f.suppressed.expires})` : ''} — shown, not counted`]);
  if (f.baseline) facts.push(['baseline', f.baseline === 'existing' ? 'already in the baseline: shown, not gating' : 'new since the baseline: gates the run']);
  if (loc) facts.push(['location', loc]);
  const subject = Object.entries(f.subject).filter(([, v]) => v !== undefined && v !== '');
  if (subject.length > 0) facts.push(['subject', subject.map(([k, v]) => `${k} ${v}`).join(' · ')]);
  if (f.confirmation) facts.push(['confirmation', f.confirmation === 'confirmed' ? `confirmed by ${(f.confirmedBy ?? []).join(', ') || 'an attack'}` : 'no attack reproduced it live']);
  facts.push(['fingerprint', f.fingerprint]);
  const dl = `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k === 'location' || k === 'fingerprint' ? `<code>${esc(v)}</code>` : esc(v)}</dd>`).join('')}</dl>`;
  const blocks: string[] = [dl];
  if (f.evidence && Object.keys(f.evidence).length > 0) {
    blocks.push(`<h5>Evidence</h5><pre class="code json">${esc(JSON.stringify(f.evidence, null, 2))}</pre>`);
    // Multi-line strings (a fix script, a statement) are unreadable as JSON escapes: shown again as written.
    for (const [key, value] of Object.entries(f.evidence)) {
      if (typeof value === 'string' && value.includes('\n')) blocks.push(`<h5>Evidence: ${esc(key)}</h5><pre class="code">${esc(value)}</pre>`);
    }
  }
  if (f.reproduction) blocks.push(`<h5>Reproduction</h5><pre class="code sql">${esc(f.reproduction)}</pre>`);
  if (f.replay) {
    const path = f.replay.path ? `, path ${f.replay.path}` : '';
    blocks.push(`<h5>Replay <span class="muted small">(seed ${esc(f.replay.seed)}${esc(path)})</span></h5><pre class="code cmd">${esc(f.replay.command)}</pre>`);
  }
  return `<details class="${cls}">${summary}<div class="finding-body">${blocks.join('')}</div></details>`;
}
