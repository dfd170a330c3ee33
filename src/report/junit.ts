import { isGating, severities, type CheckResult, type Finding, type Severity } from '../core/check.ts';
import type { PhaseStatus, Report } from '../core/report.ts';

/**
 * JUnit XML for CI test tabs (Jenkins, GitLab, Azure DevOps, GitHub test-report actions): a suite
 * per phase, a testcase per check. The contract CI relies on: a run that should fail never
 * renders green. A check with a gating finding is a `<failure>`, a check that could not decide
 * is an `<error>`, a phase that did not run is `<skipped>`, and an unfinished run, or a verdict
 * no testcase accounts for, adds a `run` suite that fails or errors.
 */

/** The phases, in the order of the pipeline and of the suites. */
export const junitPhases: readonly PhaseStatus['phase'][] = ['audit', 'attack', 'http', 'load'];

/** Whether a finding fails the run (core/check.ts states the rule; unmarked counts as new). */
const gates = (finding: Finding, report: Pick<Report, 'failOn'>): boolean => isGating(finding, report.failOn);

// XML 1.0 allows tab, LF, CR and U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF; lone surrogates fall outside.
const forbidden = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const clean = (value: string) => value.replace(/\r\n?/g, '\n').replace(forbidden, '');

/** Text content: `&`, `<` and `>` escaped (so `]]>` cannot appear), characters XML forbids removed. */
export function xmlText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes: as {@link xmlText}, plus `"`, and newlines and tabs as character references (a parser would fold them to spaces). */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000');
const indent = (block: string, pad: string) => block.replace(/\n+$/, '').replace(/^/gm, pad);

/** One finding as plain lines: what, where, how to see it again. */
function describeFinding(finding: Finding, note?: string): string {
  const lines = [`[${finding.severity}] ${finding.message}${note ? ` (${note})` : ''}`];
  const loc = finding.location;
  if (loc) lines.push(`  location: ${loc.file}:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`);
  lines.push(`  fingerprint: ${finding.fingerprint}`);
  if (finding.confirmation === 'confirmed' && finding.confirmedBy?.length) lines.push(`  confirmed by: ${finding.confirmedBy.join(', ')}`);
  if (finding.replay) lines.push(`  replay: ${finding.replay.command}`);
  if (finding.reproduction) lines.push('  reproduction:', indent(clean(finding.reproduction), '    '));
  return lines.join('\n');
}

/** Why a finding does not gate the run. */
function notGatingBecause(finding: Finding, report: Report): string {
  if (finding.suppressed) return `suppressed: ${finding.suppressed.reason}${finding.suppressed.expires ? `, until ${finding.suppressed.expires}` : ''}`;
  if (report.baseline !== undefined && finding.baseline === 'existing') return 'in the baseline';
  return `below --fail-on ${report.failOn}`;
}

interface Case {
  xml: string[];
  outcome: 'pass' | 'failure' | 'error' | 'skipped';
}

function element(tag: 'failure' | 'error' | 'skipped', message: string, type: string, body: string): string {
  const open = `<${tag} message="${xmlAttribute(message)}" type="${xmlAttribute(type)}"`;
  return body === '' ? `${open}/>` : `${open}>${xmlText(body)}</${tag}>`;
}

// Markup is built as items, one per tag line; nesting prefixes each item, never the lines of a
// text node inside it (a failure body or a reproduction keeps its exact text).
const nest = (items: string[]) => items.map((item) => `  ${item}`);

function testcase(classname: string, name: string, ms: number | undefined, inner: string[]): string[] {
  const open = `<testcase classname="${xmlAttribute(classname)}" name="${xmlAttribute(name)}" time="${seconds(ms)}"`;
  return inner.length === 0 ? [`${open}/>`] : [`${open}>`, ...nest(inner), '</testcase>'];
}

function checkCase(check: CheckResult, report: Report): Case {
  const classname = `tenantguard.${check.meta.kind}`;
  const name = `${check.meta.id}: ${check.meta.title}`;
  const gating = check.findings.filter((f) => gates(f, report));
  const others = check.findings.filter((f) => !gates(f, report)).map((f) => describeFinding(f, notGatingBecause(f, report)));
  const othersBlock = others.length > 0 ? `Findings that do not gate the run:\n\n${others.join('\n\n')}` : '';
  if (gating.length > 0) {
    // A definite finding outweighs a later crash of the same check: it is a failure, not an error.
    const worst = severities.find((s) => gating.some((f) => f.severity === s)) as Severity;
    const first = gating.find((f) => f.severity === worst)!;
    const more = gating.length > 1 ? ` (and ${gating.length - 1} more)` : '';
    const crashed = check.verdict === 'inconclusive' ? `The check also could not finish: ${check.error ?? 'no reason was recorded'}\n\n` : '';
    const body = `${crashed}${gating.map((f) => describeFinding(f)).join('\n\n')}${othersBlock ? `\n\n${othersBlock}` : ''}\n`;
    return { outcome: 'failure', xml: testcase(classname, name, check.durationMs, [element('failure', `[${worst}] ${first.message}${more}`, worst, body)]) };
  }
  if (check.verdict === 'inconclusive') {
    const reason = check.error ?? 'no reason was recorded';
    const body = `The check could not decide: ${reason}\n${othersBlock ? `\n${othersBlock}\n` : ''}`;
    return { outcome: 'error', xml: testcase(classname, name, check.durationMs, [element('error', `inconclusive: ${reason}`, 'inconclusive', body)]) };
  }
  const out = othersBlock ? [`<system-out>${xmlText(`${othersBlock}\n`)}</system-out>`] : [];
  return { outcome: 'pass', xml: testcase(classname, name, check.durationMs, out) };
}

function phaseCases(phase: PhaseStatus['phase'], report: Report): Case[] {
  const status = report.phases.find((p) => p.phase === phase) ?? { phase, status: 'not-run', reason: 'the report does not list this phase' };
  const cases = report.results.filter((r) => r.meta.kind === phase).map((r) => checkCase(r, report));
  const classname = `tenantguard.${phase}`;
  const reason = status.reason ?? (status.status === 'failed' ? 'no reason was recorded' : 'no reason was given');
  if (status.status === 'not-run') cases.push({ outcome: 'skipped', xml: testcase(classname, `${phase} phase`, 0, [element('skipped', reason, 'not-run', '')]) });
  if (status.status === 'failed') cases.push({ outcome: 'error', xml: testcase(classname, `${phase} phase`, report.timings[phase], [element('error', `the ${phase} phase failed: ${reason}`, 'phase-failed', `${reason}\n`)]) });
  return cases;
}

/** The `run` suite: why an unfinished run is broken, or a verdict that no check's testcase shows. */
function runCases(report: Report, counted: Case[]): Case[] {
  const name = `run: scenario ${report.scenario.name}`;
  const context = `Verdict: ${report.verdict}: ${report.verdictReason}\nSeed: ${report.seed} (repeat with --seed ${report.seed})\n`;
  if (!report.complete || report.error) {
    const why = report.error ? report.error.message : `the run did not finish: ${report.incompleteReason ?? 'no reason was recorded'}`;
    const lines = [why, report.error?.hint, !report.complete && report.error && report.incompleteReason ? `The run did not finish: ${report.incompleteReason}` : undefined];
    const body = `${lines.filter((l) => l !== undefined).join('\n')}\n${context}`;
    return [{ outcome: 'error', xml: testcase('tenantguard.run', name, report.durationMs, [element('error', why, report.error?.code ?? 'incomplete', body)]) }];
  }
  if (report.verdict === 'fail' && !counted.some((c) => c.outcome === 'failure')) {
    return [{ outcome: 'failure', xml: testcase('tenantguard.run', name, report.durationMs, [element('failure', `verdict fail: ${report.verdictReason}`, 'verdict', context)]) }];
  }
  if (report.verdict === 'inconclusive' && !counted.some((c) => c.outcome === 'error')) {
    return [{ outcome: 'error', xml: testcase('tenantguard.run', name, report.durationMs, [element('error', `verdict inconclusive: ${report.verdictReason}`, 'verdict', context)]) }];
  }
  return [];
}

const tally = (cases: Case[]) => ({
  tests: cases.length,
  failures: cases.filter((c) => c.outcome === 'failure').length,
  errors: cases.filter((c) => c.outcome === 'error').length,
  skipped: cases.filter((c) => c.outcome === 'skipped').length,
});

function suite(name: string, cases: Case[], ms: number | undefined, report: Report): string[] {
  const t = tally(cases);
  const props: [string, string][] = [
    ['scenario', report.scenario.name],
    ['seed', String(report.seed)],
    ['fail-on', report.failOn],
    ['verdict', report.verdict],
    ...(report.baseline ? ([['baseline', report.baseline.file]] as [string, string][]) : []),
  ];
  const head = `<testsuite name="${xmlAttribute(name)}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(ms)}" timestamp="${xmlAttribute(report.startedAt)}">`;
  const properties = ['<properties>', ...nest(props.map(([k, v]) => `<property name="${xmlAttribute(k)}" value="${xmlAttribute(v)}"/>`)), '</properties>'];
  return [head, ...nest([...properties, ...cases.flatMap((c) => c.xml)]), '</testsuite>'];
}

/**
 * The report as JUnit XML (the Jenkins/Surefire dialect most CI servers read). Deterministic:
 * times come from the report, never from the clock. Every string from the report is escaped,
 * and characters XML 1.0 forbids (NUL, other control characters, lone surrogates) are removed,
 * so hostile text from the system under test cannot break the document.
 */
export function renderJunit(report: Report): string {
  const phases = junitPhases.map((phase) => ({ phase, cases: phaseCases(phase, report) }));
  const run = runCases(report, phases.flatMap((p) => p.cases));
  const suites = [
    ...(run.length > 0 ? suite('run', run, report.durationMs, report) : []),
    ...phases.flatMap((p) => suite(p.phase, p.cases, report.timings[p.phase], report)),
  ];
  const t = tally([...run, ...phases.flatMap((p) => p.cases)]);
  const root = `<testsuites name="tenantguard" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(report.durationMs)}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...nest(suites), '</testsuites>', ''].join('\n');
}
