import { severities, type CheckKind, type Finding, type Severity, type Verdict } from '../core/check.ts';
import type { Report } from '../core/report.ts';
import { escapeHtml, escapeLine, escapeText, fencedBlock, inlineCode, reproductionLanguage, truncateText } from './markdown-escape.ts';
import { renderLoadMarkdown } from './markdown-load.ts';

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Findings shown in full (most severe and new first); the rest are counted. Default 10. */
  maxFindings?: number;
  /**
   * The longest text returned, in UTF-16 code units (never fewer characters than GitHub counts).
   * Default 65,000: under GitHub's 65,536-character comment limit, with room for a line a CI
   * step may add around it.
   */
  maxLength?: number;
}

/** GitHub's limit on the body of an issue or pull-request comment. */
export const githubCommentLimit = 65_536;

/** The first line of every Markdown report, so a CI step can find its previous comment and update it. */
export const markdownReportMarker = '<!-- tenantguard-report -->';

const count = new Intl.NumberFormat('en-US');
const verdictHeading: Record<Verdict, string> = { pass: '✅ PASS', fail: '❌ FAIL', inconclusive: '⚠️ INCONCLUSIVE' };
const severityMark: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
// Caps that keep every part but the findings small, so dropping findings is enough to fit.
const caps = { message: 2_000, reproduction: 4_000, listed: 20, listedMessage: 500, reason: 1_000 };

/** Milliseconds as `651 ms`, `12.3 s` or `4 min 05 s`. */
function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

const text = (value: string, max = caps.message) => escapeText(truncateText(value, max));
const line = (value: string, max = caps.message) => escapeLine(truncateText(value, max));
const code = (value: string, max = caps.listedMessage) => inlineCode(truncateText(value, max));

/** A finding with the phase of the check that produced it, and its place in the report (for a stable order). */
interface Entry {
  finding: Finding;
  kind: CheckKind;
  index: number;
}

/** New (or no baseline) before existing, then most severe first, then report order. */
function compareEntries(a: Entry, b: Entry): number {
  const old = (e: Entry) => (e.finding.baseline === 'existing' ? 1 : 0);
  return old(a) - old(b) || severities.indexOf(a.finding.severity) - severities.indexOf(b.finding.severity) || a.index - b.index;
}

function renderWarning(report: Report): string | null {
  if (report.complete && !report.error) return null;
  const lines = ['> [!WARNING]'];
  lines.push(`> **This report is incomplete**${report.complete ? '' : `: ${text(report.incompleteReason ?? 'the run did not finish', caps.reason)}`}. Checks that did not run prove nothing about isolation.`);
  if (report.error) {
    lines.push('>', `> Error ${code(report.error.code)}: ${text(report.error.message)}`);
    if (report.error.hint) lines.push('>', `> Hint: ${text(report.error.hint)}`);
  }
  return lines.join('\n');
}

function renderContext(report: Report): string {
  const t = report.target;
  const scenario = `${code(report.scenario.name)}${report.scenario.file ? ` (${code(report.scenario.file)})` : ''}`;
  // Backend and server version only: host, port and database say nothing a reviewer needs.
  const target = t ? `${text(t.backend)} PostgreSQL ${text(t.serverVersion)}` : 'none (no database was started)';
  return [
    `**Scenario** ${scenario}`,
    `**Target** ${target}`,
    `**Seed** ${inlineCode(String(report.seed))}`,
    `**Duration** ${formatDuration(report.durationMs)}`,
    `**${text(report.tool.name)}** ${text(report.tool.version)}`,
  ].join(' · ');
}

function renderCounts(report: Report, entries: Entry[]): string {
  const c = report.counts;
  const findings = severities.map((s) => `${count.format(c.findings[s])} ${s}`).join(' · ');
  const lines = [
    '### Summary',
    '',
    `- **Findings**: ${findings} (the run fails on **${report.failOn}** or above)${c.suppressed > 0 ? `; ${count.format(c.suppressed)} suppressed, not counted` : ''}`,
    `- **Checks**: ${count.format(c.checks.pass)} pass · ${count.format(c.checks.fail)} fail · ${count.format(c.checks.inconclusive)} inconclusive`,
    '',
    '| Phase | Status | Pass | Fail | Inconclusive | Critical | High | Medium | Low | Info |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const phases: { phase: string; status: string; reason?: string }[] = [...report.phases];
  for (const r of report.results) if (!phases.some((p) => p.phase === r.meta.kind)) phases.push({ phase: r.meta.kind, status: 'ran' });
  for (const p of phases) {
    const results = report.results.filter((r) => r.meta.kind === p.phase);
    const status = `${p.status.replace('-', ' ')}${p.reason ? `: ${text(p.reason, caps.listedMessage)}` : ''}`;
    if (p.status !== 'ran' && results.length === 0) {
      lines.push(`| ${text(p.phase)} | ${status} |${' — |'.repeat(8)}`);
      continue;
    }
    const verdicts = (['pass', 'fail', 'inconclusive'] as const).map((v) => count.format(results.filter((r) => r.verdict === v).length));
    const bySeverity = severities.map((s) => count.format(entries.filter((e) => e.kind === p.phase && e.finding.severity === s && !e.finding.suppressed).length));
    lines.push(`| ${text(p.phase)} | ${status} | ${[...verdicts, ...bySeverity].join(' | ')} |`);
  }
  return lines.join('\n');
}

function renderBaseline(report: Report): string | null {
  const b = report.baseline;
  if (!b) return null;
  const lines = [
    '### Compared with the baseline',
    '',
    `Baseline ${code(b.file)} (written ${text(b.createdAt)}): **${count.format(b.counts.new)} new** (these gate the run) · ${count.format(b.counts.existing)} existing (shown, not gating) · ${count.format(b.counts.fixed)} fixed.`,
  ];
  if (b.fixed.length > 0) {
    lines.push('', '**Fixed since the baseline**', '');
    for (const f of b.fixed.slice(0, caps.listed)) lines.push(`- ${severityMark[f.severity] ?? ''} ${text(f.severity)} ${code(f.checkId)}: ${text(f.message, caps.listedMessage)}`);
    if (b.fixed.length > caps.listed) lines.push(`- … and ${count.format(b.fixed.length - caps.listed)} more fixed (see the full report)`);
  }
  return lines.join('\n');
}

/** The object a finding is about, in a few words: `public.notes`, `policy p on public.notes`, `GET /projects`. */
function describeSubject(subject: Finding['subject']): string {
  const table = subject.table ? `${subject.schema ? `${subject.schema}.` : ''}${subject.table}` : '';
  if (subject.route) return subject.route;
  if (subject.policy) return `policy ${subject.policy}${table ? ` on ${table}` : ''}`;
  if (subject.function) return `function ${subject.schema ? `${subject.schema}.` : ''}${subject.function}`;
  return table || subject.role || subject.load || '';
}

function renderFinding(entry: Entry, withBaseline: boolean): string {
  const f = entry.finding;
  const tag = withBaseline ? (f.baseline === 'existing' ? ' · existing (in the baseline)' : ' · 🆕 **new**') : '';
  const lines = [`#### ${severityMark[f.severity] ?? ''} ${text(f.severity)} · ${code(f.checkId)}${tag}`, '', line(f.message)];
  const facts: string[] = [];
  if (f.location) facts.push(`at ${code(`${f.location.file}:${f.location.line}`)}`);
  if (f.confirmation === 'confirmed') {
    const by = f.confirmedBy ?? [];
    facts.push(`confirmed live by ${by.slice(0, 4).map((id) => code(id)).join(', ') || 'an attack'}${by.length > 4 ? ` and ${by.length - 4} more` : ''}`);
  } else if (f.confirmation === 'not-confirmed') facts.push('not confirmed by an attack');
  facts.push(`fingerprint ${code(f.fingerprint)}`);
  lines.push('', facts.join(' · '));
  if (f.reproduction) {
    const script = truncateText(f.reproduction, caps.reproduction);
    const language = reproductionLanguage(f.reproduction);
    const cut = script.length < f.reproduction.length ? `\n${language === 'sql' ? '--' : '#'} … cut here: the full script is in the JSON report` : '';
    const kind = language === 'sql' ? ' (SQL, for psql)' : language === 'sh' ? ' (shell)' : '';
    const about = describeSubject(f.subject);
    // The summary sits in an HTML block, where Markdown escapes mean nothing: HTML-escaped.
    lines.push('', `<details><summary>Reproduction${kind}${about ? `: ${escapeHtml(truncateText(about, caps.listedMessage))}` : ''}</summary>`, '', fencedBlock(`${script}${cut}`, language), '', '</details>');
  }
  if (f.replay) lines.push('', `Replay: ${code(f.replay.command, caps.reason)}`);
  return lines.join('\n');
}

/** "3 critical, 2 low": the severities of the findings not shown. */
function severitySummary(entries: Entry[]): string {
  return severities
    .map((s) => [s, entries.filter((e) => e.finding.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${count.format(n)} ${s}`)
    .join(', ');
}

function renderInconclusive(report: Report): string | null {
  const undecided = report.results.filter((r) => r.verdict === 'inconclusive');
  if (undecided.length === 0) return null;
  const lines = ['### Inconclusive checks', '', 'These checks could not decide, so the run cannot be green:', ''];
  for (const r of undecided.slice(0, caps.listed)) lines.push(`- ${code(r.meta.id)} (${text(r.meta.kind)}): ${text(r.error ?? 'no reason recorded', caps.listedMessage)}`);
  if (undecided.length > caps.listed) lines.push(`- … and ${count.format(undecided.length - caps.listed)} more (see the full report)`);
  return lines.join('\n');
}

/**
 * The report as a pull-request comment (GitHub-flavoured Markdown): verdict and why, a warning
 * when the run did not finish, context, counts by severity and phase, the comparison with a
 * baseline, the top findings with their reproductions, inconclusive checks, and the load
 * experiment. Every text from the report is escaped for its context. The result is at most
 * `maxLength` characters: findings are dropped from the end to fit, and the comment says how
 * many. Pure.
 */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const maxFindings = Math.max(0, options.maxFindings ?? 10);
  const maxLength = options.maxLength ?? 65_000;
  const entries: Entry[] = report.results.flatMap((r) => r.findings.map((finding) => ({ finding, kind: r.meta.kind, index: 0 })));
  entries.forEach((e, i) => (e.index = i));
  const ordered = entries.filter((e) => !e.finding.suppressed).sort(compareEntries);
  const withBaseline = report.baseline !== undefined || ordered.some((e) => e.finding.baseline !== undefined);
  const suppressed = entries.length - ordered.length;

  const head = [
    markdownReportMarker,
    `## ${verdictHeading[report.verdict] ?? text(String(report.verdict))} · tenantguard`,
    line(report.verdictReason, caps.reason),
    renderWarning(report),
    renderContext(report),
    renderCounts(report, entries),
    renderBaseline(report),
  ].filter((b) => b !== null);
  const tail = [renderInconclusive(report), report.load ? renderLoadMarkdown(report.load) : null].filter((b) => b !== null);
  const blocks = ordered.slice(0, maxFindings).map((e) => renderFinding(e, withBaseline));

  const findingsHeading = (shown: number) =>
    ordered.length === 0
      ? `### Findings\n\nNo findings${report.results.length === 0 ? ': no check ran, so this proves nothing' : ''}.`
      : `### Findings\n\n${shown === ordered.length ? `All ${count.format(ordered.length)} finding(s)` : `The top ${count.format(shown)} of ${count.format(ordered.length)} findings`}, ${withBaseline ? 'new first, then ' : ''}most severe first.`;
  const notShown = (shown: number): string | null => {
    const lines: string[] = [];
    const rest = ordered.slice(shown);
    if (rest.length > 0) lines.push(`**${count.format(rest.length)} more finding(s) in the full report** (${severitySummary(rest)}).`);
    if (shown < blocks.length) lines.push(`${count.format(blocks.length - shown)} of them were left out to keep this comment under GitHub's ${count.format(githubCommentLimit)}-character limit.`);
    if (suppressed > 0) lines.push(`${count.format(suppressed)} suppressed finding(s) are not shown (see the full report).`);
    return lines.length > 0 ? lines.join(' ') : null;
  };
  const parts = (shown: number, rest: string[]) => [...head, findingsHeading(shown), ...blocks.slice(0, shown), notShown(shown), ...rest].filter((b) => b !== null);
  const compose = (shown: number, rest: string[]) => `${parts(shown, rest).join('\n\n')}\n`;

  // Findings go first when the comment is too long, from the end (each block is whole, so any
  // prefix is valid Markdown). Lengths add up, so each candidate is measured without building it.
  const blockLength = [0];
  for (const b of blocks) blockLength.push(blockLength.at(-1)! + b.length + 2);
  const fixed = (rest: string[]) => [...head, ...rest].reduce((n, b) => n + b.length + 2, 0) + 1;
  const lengthOf = (shown: number, rest: string[]) => fixed(rest) + findingsHeading(shown).length + blockLength[shown]! + (notShown(shown)?.length ?? -2) + 2;
  const fit = (rest: string[]) => {
    let shown = blocks.length;
    while (shown > 0 && lengthOf(shown, rest) > maxLength) shown--;
    return shown;
  };
  let rest = tail;
  let shown = fit(rest);
  // Should the other sections alone still not fit (a huge load section), they go from the end,
  // and the findings that fit in the room they leave come back.
  if (shown === 0 && lengthOf(0, rest) > maxLength) {
    while (rest.length > 0 && lengthOf(0, [...rest, sizeNote]) > maxLength) rest = rest.slice(0, -1);
    rest = [...rest, sizeNote];
    shown = fit(rest);
  }
  const out = compose(shown, rest);
  return out.length <= maxLength ? out : `${truncateText(out, maxLength - sizeNote.length - 3)}\n\n${sizeNote}\n`;
}

const sizeNote = "_Sections were left out to keep this comment under GitHub's size limit: see the full report._";
