/** Vocabulary of checks, findings and their results (DESIGN §3). */

/** How bad a finding is, most severe first. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Severities from most to least severe. */
export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** True when `a` is at least as severe as `b`. */
export function isAtLeast(a: Severity, b: Severity): boolean {
  return severities.indexOf(a) <= severities.indexOf(b);
}

/**
 * Whether a finding fails the run: not suppressed, at or above the threshold, and not accepted
 * in a baseline (`baseline: 'existing'`). The one statement of the rule every format and the
 * verdict use.
 */
export function isGating(finding: Pick<Finding, 'severity' | 'suppressed' | 'baseline'>, failOn: Severity): boolean {
  return !finding.suppressed && finding.baseline !== 'existing' && isAtLeast(finding.severity, failOn);
}

/** The phase a check belongs to. */
export type CheckKind = 'audit' | 'attack' | 'http' | 'load';

/** Outcome of a check or of a whole run. `inconclusive`: the harness could not decide. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Metadata every check declares first in its file. */
export interface CheckMeta {
  /** kebab-case, equals the file name, never reused. */
  readonly id: string;
  readonly kind: CheckKind;
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  readonly remediation: string;
}

/** The object a finding is about. */
export interface FindingSubject {
  schema?: string;
  table?: string;
  policy?: string;
  role?: string;
  function?: string;
  route?: string;
  /** A load experiment's step, e.g. `heavy-reports ×50`. */
  load?: string;
}

/** A place in a schema file. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

/** One thing wrong with the system under test. */
export interface Finding {
  checkId: string;
  severity: Severity;
  /** Names the exact object and says what is wrong and what to do. */
  message: string;
  subject: FindingSubject;
  /** Stable across runs: baselines, suppressions, SARIF. */
  fingerprint: string;
  /** SQL and parameters, what leaked (redacted). */
  evidence?: Record<string, unknown>;
  location?: SourceLocation;
  /** A runnable SQL script or curl line. */
  reproduction?: string;
  /** For attacks: how to repeat the exact case. */
  replay?: { seed: number; path?: string; command: string };
  /**
   * For audit findings when the attack phase ran: `confirmed` when an attack produced live
   * evidence of the same flaw (`confirmedBy` names the attack checks), else `not-confirmed`.
   */
  confirmation?: 'confirmed' | 'not-confirmed';
  confirmedBy?: string[];
  /** With a baseline: `new` (gates the run) or `existing` (in the baseline: shown, not gating). */
  baseline?: 'new' | 'existing';
  /** Set when a suppression in the scenario covers this finding: shown, but not counted. */
  suppressed?: { reason: string; expires?: string };
}

/** The outcome of one check. */
export interface CheckResult {
  meta: CheckMeta;
  verdict: Verdict;
  findings: Finding[];
  durationMs: number;
  /** Why the check is inconclusive, when it is. */
  error?: string;
  stats?: Record<string, number>;
}
