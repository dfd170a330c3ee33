import { createHash } from 'node:crypto';
import type { PhaseStatus, Report } from '../core/report.ts';
import { esc, formatCount } from './html-escape.ts';
import { renderFindings } from './html-findings.ts';
import { renderLoadSection } from './html-load.ts';
import { renderAccessMatrix } from './html-matrix.ts';
import { section } from './html-parts.ts';
import { reportCss, reportScript } from './html-style.ts';
import { renderSummary } from './html-summary.ts';

/**
 * The HTML report: one self-contained page (inline CSS, a few lines of optional inline JS, SVG
 * charts, no external asset, no URL that loads anything) a reviewer can open offline, attach to
 * a ticket or archive. A Content-Security-Policy with `default-src 'none'` and hashes of the
 * one style and one script makes the browser refuse anything else, should report text ever
 * slip past escaping. Pure and deterministic: the same report gives the same bytes (no clock,
 * no random ids).
 */
export function renderHtml(report: Report): string {
  const incomplete = !report.complete || report.error !== undefined;
  const title = `${report.verdict.toUpperCase()}${incomplete ? ' (incomplete)' : ''} · ${report.scenario.name} · tenantguard report`;
  const phase = (name: string) => report.phases.find((p) => p.phase === name);
  const sections = [
    section('summary', 'Summary', renderSummary(report)),
    section('findings', 'Findings', renderFindings(report)),
    section('access-matrix', 'Access matrix', renderAccessMatrix(report.accessMatrix, absentNote(phase('attack'), 'access matrix'))),
    section('load', 'Noisy-neighbour load', renderLoadSection(report.load, absentNote(phase('load'), 'load measurements'))),
  ];
  const body = [
    `<header class="top"><span class="brand">${esc(report.tool.name)}</span><span class="scenario">${esc(report.scenario.name)}</span><span class="meta">${esc(`${report.tool.name} ${report.tool.version} · seed ${report.seed} · ${report.startedAt}`)}</span></header>`,
    banner(report),
    incomplete ? incompleteMarker(report) : '',
    nav(),
    ...sections,
    `<footer>Rendered from the JSON report (schema v${esc(report.schemaVersion)}) by ${esc(report.tool.name)} ${esc(report.tool.version)}. The JSON report is the source of truth; this page is a view of it. Repeat the run with <code>--seed ${esc(report.seed)}</code>.</footer>`,
  ];
  const csp = `default-src 'none'; style-src '${sha256(reportCss)}'; script-src '${sha256(reportScript)}'; img-src 'none'; base-uri 'none'; form-action 'none'`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light">',
    `<title>${esc(title)}</title>`,
    `<style>${reportCss}</style>`,
    '</head>',
    '<body>',
    '<div class="page">',
    body.filter(Boolean).join('\n'),
    '</div>',
    `<script>${reportScript}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A CSP source for inline content: `sha256-<base64>` of its exact text. */
function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/** Why a section has nothing to show: usually the phase did not run (with its own reason). */
function absentNote(phase: PhaseStatus | undefined, what: string): string {
  if (!phase) return `No ${what}: this run had no such phase.`;
  if (phase.status === 'ran') return `No ${what}: the ${phase.phase} phase ran but the report carries none (written by a version that did not record it).`;
  return `No ${what}: the ${phase.phase} phase ${phase.status === 'failed' ? 'failed' : 'did not run'}${phase.reason ? ` (${phase.reason})` : ''}.`;
}

function banner(report: Report): string {
  const c = report.counts;
  const findings = Object.values(c.findings).reduce((n, x) => n + x, 0);
  const sub = [
    `${formatCount(findings)} finding(s)${c.suppressed > 0 ? ` (+${formatCount(c.suppressed)} suppressed)` : ''}`,
    `${formatCount(c.checks.fail)} failing, ${formatCount(c.checks.inconclusive)} inconclusive, ${formatCount(c.checks.pass)} passing check(s)`,
    `fails on ${report.failOn} and above`,
    ...(report.baseline ? [`${formatCount(report.baseline.counts.new)} new against the baseline`] : []),
  ].join(' · ');
  return `<div class="verdict verdict-${esc(report.verdict)}" role="status" aria-label="verdict"><div class="word">${esc(report.verdict.toUpperCase())}</div><div class="text"><p class="reason">${esc(report.verdictReason)}</p><p class="sub">${esc(sub)}</p></div></div>`;
}

/** The unmistakable marker of a run that did not finish: nothing below it is the whole story. */
function incompleteMarker(report: Report): string {
  const why = report.incompleteReason ?? (report.error ? 'the run ended with an error' : 'the run did not finish');
  const error = report.error
    ? `<p><strong>Error <code>${esc(report.error.code)}</code>:</strong> ${esc(report.error.message)}</p>${report.error.hint ? `<p><strong>What to do:</strong> ${esc(report.error.hint)}</p>` : ''}`
    : '';
  return `<div class="incomplete" role="alert"><p><span class="tag">INCOMPLETE</span><strong>This report is incomplete: ${esc(why)}.</strong> Checks that did not run prove nothing; the verdict cannot be a pass.</p>${error}</div>`;
}

function nav(): string {
  const links = [
    ['summary', 'Summary'],
    ['findings', 'Findings'],
    ['access-matrix', 'Access matrix'],
    ['load', 'Load'],
  ];
  return `<nav class="toc" aria-label="sections">${links.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}<span id="toolbar"></span></nav>`;
}
