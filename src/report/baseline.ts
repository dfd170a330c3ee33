import { isAtLeast, isGating, severities, type Severity } from '../core/check.ts';
import { HarnessError } from '../core/errors.ts';
import type { Report, ReportBaseline } from '../core/report.ts';

/**
 * Baselines: the findings a team has accepted for now, by fingerprint, so CI fails only on
 * findings that are new. A baseline is written from a complete report (`tenantguard
 * baseline`); applying one marks every finding `new` or `existing`, lists the baseline's
 * findings this run no longer has as fixed, and re-decides the verdict with only new
 * findings gating. Pure: reading and writing files is the CLI's.
 */

/** Version of the baseline file layout. */
export const baselineVersion = 1;

/** One accepted finding. */
export interface BaselineFinding {
  fingerprint: string;
  checkId: string;
  severity: Severity;
  message: string;
}

/** The baseline file (`reports/baseline.json`). */
export interface BaselineFile {
  kind: 'tenantguard-baseline';
  baselineVersion: number;
  createdAt: string;
  tool: { name: string; version: string };
  scenario: { name: string };
  /** Every unsuppressed finding of the report it was written from, sorted by fingerprint. */
  findings: BaselineFinding[];
}

/**
 * The baseline of a report: its unsuppressed findings. Refuses an incomplete report — a run
 * that stopped early found less than there is, and accepting its findings would hide nothing
 * but say more than it knows.
 */
export function baselineFromReport(report: Report, now: Date): BaselineFile {
  if (!report.complete || report.error) {
    throw new HarnessError('usage', `the report is incomplete (${report.error?.message ?? report.incompleteReason ?? 'the run did not finish'}): a baseline must come from a complete run`);
  }
  const findings = report.results
    .flatMap((r) => r.findings)
    .filter((f) => !f.suppressed)
    .map((f) => ({ fingerprint: f.fingerprint, checkId: f.checkId, severity: f.severity, message: f.message }));
  const unique = [...new Map(findings.map((f) => [f.fingerprint, f])).values()].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  return { kind: 'tenantguard-baseline', baselineVersion, createdAt: now.toISOString(), tool: report.tool, scenario: { name: report.scenario.name }, findings: unique };
}

/** The baseline file's text: pretty JSON, stable order, so a diff in review shows what changed. */
export function renderBaseline(baseline: BaselineFile): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a baseline from its text: a baseline file, or a whole report.json (its findings are
 * taken as the baseline, so the last green run's report can serve). Anything else is a
 * `usage` HarnessError naming the file and what is wrong.
 */
export function parseBaseline(text: string, file: string): BaselineFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new HarnessError('usage', `baseline ${file} is not JSON: ${(error as Error).message}`, { hint: 'write one with `tenantguard baseline <report.json>`' });
  }
  if (isRecord(data) && typeof data['schemaVersion'] === 'number' && Array.isArray(data['results'])) {
    return baselineFromReport(data as unknown as Report, new Date((data['finishedAt'] as string | undefined) ?? 0));
  }
  const problems: string[] = [];
  if (!isRecord(data) || data['kind'] !== 'tenantguard-baseline') {
    throw new HarnessError('usage', `${file} is neither a tenantguard baseline nor a report`, { hint: 'write one with `tenantguard baseline <report.json>`' });
  }
  if (data['baselineVersion'] !== baselineVersion) problems.push(`baselineVersion: expected ${baselineVersion}, got ${JSON.stringify(data['baselineVersion'])}`);
  if (typeof data['createdAt'] !== 'string') problems.push('createdAt: expected an ISO date string');
  if (!isRecord(data['scenario']) || typeof data['scenario']['name'] !== 'string') problems.push('scenario.name: expected a string');
  if (!Array.isArray(data['findings'])) problems.push('findings: expected an array');
  else {
    data['findings'].forEach((f: unknown, i: number) => {
      if (!isRecord(f) || typeof f['fingerprint'] !== 'string' || typeof f['checkId'] !== 'string' || !severities.includes(f['severity'] as Severity) || typeof f['message'] !== 'string') {
        problems.push(`findings[${i}]: expected { fingerprint, checkId, severity, message }`);
      }
    });
  }
  if (problems.length > 0) throw new HarnessError('usage', `baseline ${file} is not valid (${problems.length} problem(s))`, { problems });
  return data as unknown as BaselineFile;
}

/**
 * The report compared with a baseline: findings marked `new`/`existing`, the fixed ones
 * listed, counts, and the verdict re-decided so that only new findings at or above the
 * threshold fail. A baseline of another scenario is refused: comparing fingerprints across
 * scenarios would call every finding new or fixed for no reason.
 */
export function applyBaseline(report: Report, baseline: BaselineFile, file: string): Report {
  if (baseline.scenario.name !== report.scenario.name) {
    throw new HarnessError('usage', `baseline ${file} was written for scenario "${baseline.scenario.name}", not "${report.scenario.name}"`, {
      hint: 'pass the baseline of this scenario, or write one with `tenantguard baseline <report.json>`',
    });
  }
  const accepted = new Set(baseline.findings.map((f) => f.fingerprint));
  const seen = new Set<string>();
  const counts = { new: 0, existing: 0, fixed: 0 };
  const results = report.results.map((result) => ({
    ...result,
    findings: result.findings.map((finding) => {
      seen.add(finding.fingerprint);
      if (finding.suppressed) return finding;
      const state = accepted.has(finding.fingerprint) ? ('existing' as const) : ('new' as const);
      counts[state]++;
      return { ...finding, baseline: state };
    }),
  }));
  // A baseline finding is fixed only if its check ran and decided: an inconclusive or skipped check proves nothing.
  const decided = new Set(report.results.filter((r) => r.verdict !== 'inconclusive').map((r) => r.meta.id));
  const fixed = baseline.findings.filter((f) => !seen.has(f.fingerprint) && decided.has(f.checkId));
  counts.fixed = fixed.length;
  const summary: ReportBaseline = { file, createdAt: baseline.createdAt, counts, fixed };
  const compared: Report = { ...report, results, baseline: summary };
  return { ...compared, ...baselineVerdict(compared) };
}

/** The verdict with a baseline: an unfinished or undecided run stays as it was; otherwise only new findings gate. */
function baselineVerdict(report: Report): Pick<Report, 'verdict' | 'verdictReason'> {
  if (report.verdict === 'inconclusive' && (!report.complete || report.error)) return { verdict: report.verdict, verdictReason: report.verdictReason };
  const gating = report.results.flatMap((r) => r.findings).filter((f) => !f.suppressed && isAtLeast(f.severity, report.failOn));
  const fresh = gating.filter((f) => isGating(f, report.failOn));
  const accepted = gating.length - fresh.length;
  const note = `${accepted} at or above ${report.failOn} accepted in the baseline`;
  if (fresh.length > 0) return { verdict: 'fail', verdictReason: `${fresh.length} new finding(s) at or above ${report.failOn} (${note})` };
  const undecided = report.results.filter((r) => r.verdict === 'inconclusive');
  if (undecided.length > 0) return { verdict: 'inconclusive', verdictReason: `${undecided.length} check(s) could not decide: ${undecided.map((r) => r.meta.id).join(', ')}` };
  if (report.verdict === 'inconclusive') return { verdict: report.verdict, verdictReason: report.verdictReason };
  return { verdict: 'pass', verdictReason: `no new finding at or above ${report.failOn} (${note})` };
}
