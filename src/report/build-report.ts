import { isGating, severities, type CheckResult, type Severity, type Verdict } from '../core/check.ts';
import type { PhaseName } from '../core/events.ts';
import { formatQualifiedName } from '../core/names.ts';
import type { SeedManifest } from '../core/manifest.ts';
import { reportSchemaVersion, type PhaseStatus, type Report, type ReportAccessMatrix, type ReportLoad, type ReportTarget, type ReportTenancy } from '../core/report.ts';
import type { Tenancy } from '../core/tenancy.ts';

/** Everything a run knows when it ends, complete or not. */
export interface ReportInput {
  tool: { name: string; version: string };
  scenario: { name: string; file: string | null };
  seed: number;
  startedAt: Date;
  finishedAt: Date;
  complete: boolean;
  incompleteReason?: string;
  error?: { code: string; message: string; hint?: string };
  target: ReportTarget | null;
  tenancy: Tenancy | null;
  manifest: SeedManifest | null;
  timings: Partial<Record<PhaseName, number>>;
  phases: PhaseStatus[];
  results: CheckResult[];
  failOn: Severity;
  load?: ReportLoad;
  /** Who could do what to whom, measured in the attack phase (attacks/access-matrix.ts). */
  accessMatrix?: ReportAccessMatrix;
}

/** The tenancy without secrets. */
export function describeTenancy(tenancy: Tenancy): ReportTenancy {
  const context = tenancy.context.kind === 'setting' ? `set_config('${tenancy.context.setting}', <tenant>, true)` : tenancy.context.sql;
  const subject =
    tenancy.subject.kind === 'tenant'
      ? 'tenant id'
      : `user id, tenants from ${formatQualifiedName(tenancy.subject.membershipTable)}.${tenancy.subject.userColumn}`;
  return {
    tenantColumns: tenancy.tenantColumns,
    tenantTable: tenancy.tenantTable ? formatQualifiedName(tenancy.tenantTable) : null,
    appRole: tenancy.appRole.name,
    login: tenancy.appRole.login.method,
    context,
    subject,
    inferred: tenancy.inferred,
  };
}

/** Decides the run's verdict: never a silent green (DESIGN §6). */
export function decideVerdict(input: Pick<ReportInput, 'complete' | 'incompleteReason' | 'error' | 'manifest' | 'phases' | 'results' | 'failOn'>): {
  verdict: Verdict;
  reason: string;
} {
  if (input.error || !input.complete) {
    return { verdict: 'inconclusive', reason: `the run did not finish: ${input.error?.message ?? input.incompleteReason ?? 'unknown reason'}` };
  }
  const blocking = input.results.flatMap((r) => r.findings).filter((f) => isGating(f, input.failOn));
  if (blocking.length > 0) {
    return { verdict: 'fail', reason: `${blocking.length} finding(s) at or above ${input.failOn}` };
  }
  const undecided = input.results.filter((r) => r.verdict === 'inconclusive');
  if (undecided.length > 0) {
    return { verdict: 'inconclusive', reason: `${undecided.length} check(s) could not decide: ${undecided.map((r) => r.meta.id).join(', ')}` };
  }
  if (!input.phases.some((p) => p.status === 'ran')) {
    const list = input.phases.map((p) => `${p.phase} (${p.reason ?? p.status})`).join(', ');
    return { verdict: 'inconclusive', reason: `no isolation check ran: ${list}` };
  }
  if (input.manifest && input.manifest.problems.length > 0) {
    return { verdict: 'inconclusive', reason: `seeding could not fill ${input.manifest.problems.length} table(s); isolation there is untested` };
  }
  const notRun = input.phases.filter((p) => p.status !== 'ran').map((p) => p.phase);
  return {
    verdict: 'pass',
    reason: `no finding at or above ${input.failOn} from ${input.results.length} check(s)${notRun.length > 0 ? `; not run: ${notRun.join(', ')}` : ''}`,
  };
}

/** Builds the JSON report (the source of truth) from a run's state. Pure. */
export function buildReport(input: ReportInput): Report {
  const { verdict, reason } = decideVerdict(input);
  const findings = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  const checks: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0 };
  let suppressed = 0;
  for (const result of input.results) {
    checks[result.verdict]++;
    for (const finding of result.findings) {
      if (finding.suppressed) suppressed++;
      else findings[finding.severity]++;
    }
  }
  const manifest = input.manifest;
  return {
    schemaVersion: reportSchemaVersion,
    tool: input.tool,
    scenario: input.scenario,
    seed: input.seed,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    complete: input.complete,
    ...(input.incompleteReason ? { incompleteReason: input.incompleteReason } : {}),
    ...(input.error ? { error: input.error } : {}),
    target: input.target,
    tenancy: input.tenancy ? describeTenancy(input.tenancy) : null,
    seeding: manifest
      ? {
          tenants: manifest.tenants.length,
          totalRows: manifest.totalRows,
          durationMs: manifest.durationMs,
          rowsPerSecond: manifest.durationMs > 0 ? Math.round((manifest.totalRows * 1000) / manifest.durationMs) : 0,
          tables: manifest.tables.map((t) => ({
            table: formatQualifiedName(t.table),
            ownership: t.ownership,
            rows: t.rowCount,
            canaryColumns: t.canaryColumns,
            plainColumns: t.plainColumns,
          })),
          problems: manifest.problems,
        }
      : null,
    ...(input.load ? { load: input.load } : {}),
    ...(input.accessMatrix ? { accessMatrix: input.accessMatrix } : {}),
    timings: input.timings,
    phases: input.phases,
    results: input.results,
    failOn: input.failOn,
    verdict,
    verdictReason: reason,
    counts: { findings, suppressed, checks },
  };
}
