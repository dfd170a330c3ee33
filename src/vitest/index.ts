/**
 * tenantguard inside a team's own vitest suite (`tenantguard/vitest`): run the audit and the
 * attacks of a scenario, and assert isolation with a matcher whose failure message lists every
 * finding with its reproduction and replay command.
 *
 * ```ts
 * import { expect, it } from 'vitest';
 * import { checkIsolation, installIsolationMatchers } from 'tenantguard/vitest';
 *
 * installIsolationMatchers();
 * it('keeps tenants apart', async () => {
 *   expect(await checkIsolation({ scenario: 'scenarios/mine.ts' })).toBeIsolated();
 * }, 120_000);
 * ```
 *
 * The package ships TypeScript: add `server: { deps: { inline: ['tenantguard'] } }` to the
 * `test` section of your vitest config so vitest compiles it (docs/vitest.md).
 */
import { expect } from 'vitest';
import { isGating, type Finding, type Severity } from '../core/check.ts';
import type { OnEvent } from '../core/events.ts';
import type { Report } from '../core/report.ts';
import { randomRunSeed } from '../core/seed-random.ts';
import { createBackend, type BackendChoice } from '../db/backends/index.ts';
import type { DatabaseBackend } from '../db/database.ts';
import { runScenario } from '../pipeline/run-scenario.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import type { Scenario } from '../scenario/types.ts';

/** Options of {@link checkIsolation}. */
export interface CheckIsolationOptions {
  /** A scenario file (.ts, .json, .yaml) or a loaded scenario. */
  scenario: string | Scenario;
  /** Where Postgres comes from (default: embedded, or the scenario's database section). */
  backend?: DatabaseBackend | Partial<BackendChoice>;
  /** Run seed (default: the scenario's, else random; the report and every replay command carry it). */
  seed?: number;
  /** Generated cases per attack probe (default: the scenario's). */
  runs?: number;
  /** Also attack the scenario's HTTP app, when it describes one (default true). */
  http?: boolean;
  /** Progress events (default: none). */
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

/**
 * Audits and attacks a scenario on a disposable database and returns the report (the load
 * experiment is left out: latency belongs in a benchmark, not a unit suite). A harness failure
 * — a schema that does not apply, a backend that does not start — throws its HarnessError;
 * findings are values in the report, for {@link installIsolationMatchers}' `toBeIsolated`.
 */
export async function checkIsolation(options: CheckIsolationOptions): Promise<Report> {
  const loaded = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : options.scenario;
  const scenario: Scenario = {
    ...loaded,
    attacks: { ...loaded.attacks, runs: options.runs ?? loaded.attacks.runs },
    load: { ...loaded.load, enabled: false },
    ...(loaded.http && options.http === false ? { http: { ...loaded.http, enabled: false } } : {}),
  };
  const backend =
    options.backend && 'start' in options.backend
      ? options.backend
      : createBackend({ backend: scenario.database.backend, disposable: scenario.database.disposable, scratch: scenario.database.scratch, image: scenario.database.image, ...options.backend });
  const outcome = await runScenario({ scenario, backend, seed: options.seed ?? scenario.seed.seed ?? randomRunSeed(), mode: 'run', ...(options.onEvent ? { onEvent: options.onEvent } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  if (outcome.error) throw outcome.error;
  return outcome.report;
}

/** Options of `toBeIsolated`. */
export interface IsolationMatcherOptions {
  /** Fail on findings at or above this severity (default: the report's `failOn`). */
  failOn?: Severity;
}

/** One finding for a failure message: what, where, and how to reproduce it. */
export function describeFinding(finding: Finding): string {
  const lines = [`[${finding.severity}] ${finding.checkId}: ${finding.message}`];
  if (finding.location) lines.push(`  at ${finding.location.file}:${finding.location.line}`);
  if (finding.replay) lines.push(`  replay: ${finding.replay.command}`);
  if (finding.reproduction) lines.push('  reproduction:', ...finding.reproduction.split('\n').map((line) => `    ${line}`));
  return lines.join('\n');
}

/**
 * Why a report is not isolated, or null when it is: findings at or above the threshold (not
 * suppressed, and new when the report was compared with a baseline), inconclusive checks and
 * an unfinished run all count — a run that could not decide is never a pass.
 */
export function isolationProblems(report: Report, options: IsolationMatcherOptions = {}): string | null {
  const failOn = options.failOn ?? report.failOn;
  const findings = report.results.flatMap((r) => r.findings).filter((f) => isGating(f, failOn));
  const undecided = report.results.filter((r) => r.verdict === 'inconclusive');
  const parts: string[] = [];
  if (!report.complete || report.error) parts.push(`the run did not finish: ${report.error?.message ?? report.incompleteReason ?? 'unknown reason'}`);
  if (findings.length > 0) parts.push(`${findings.length} finding(s) at or above ${failOn}:\n\n${findings.map(describeFinding).join('\n\n')}`);
  if (undecided.length > 0) parts.push(`${undecided.length} check(s) could not decide:\n${undecided.map((r) => `  ${r.meta.id}: ${r.error ?? 'inconclusive'}`).join('\n')}`);
  if (parts.length === 0 && report.verdict !== 'pass' && !options.failOn) parts.push(`the verdict is ${report.verdict}: ${report.verdictReason}`);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

/** The matchers, for `expect.extend` (or call {@link installIsolationMatchers}). */
export const isolationMatchers = {
  toBeIsolated(received: unknown, options: IsolationMatcherOptions = {}) {
    const report = received as Report;
    if (typeof report !== 'object' || report === null || !Array.isArray(report.results)) {
      return { pass: false, message: () => 'expected a tenantguard report (from checkIsolation or a report.json)' };
    }
    const problems = isolationProblems(report, options);
    return {
      pass: problems === null,
      message: () => (problems === null ? `expected scenario ${report.scenario.name} not to be isolated, but it is (seed ${report.seed})` : `expected scenario ${report.scenario.name} to keep tenants isolated (seed ${report.seed}), but ${problems}`),
    };
  },
};

/** Registers the matchers on vitest's `expect`. */
export function installIsolationMatchers(): void {
  expect.extend(isolationMatchers);
}

interface IsolationMatchers<R = unknown> {
  /** Passes when the report has no gating finding, no inconclusive check and finished. */
  toBeIsolated(options?: IsolationMatcherOptions): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends IsolationMatchers<T> {}
}
