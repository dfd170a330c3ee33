import type { CheckResult, Severity, Verdict } from './check.ts';
import type { PhaseName } from './events.ts';
import type { Ownership } from './manifest.ts';

/** Version of the JSON report layout; bumped on any incompatible change. */
export const reportSchemaVersion = 1;

/** Whether a phase ran, and why not. */
export interface PhaseStatus {
  phase: 'audit' | 'attack' | 'http' | 'load';
  status: 'ran' | 'not-run' | 'failed';
  reason?: string;
}

/** The target as reports may show it: never credentials. */
export interface ReportTarget {
  backend: string;
  host: string;
  port: number;
  database: string;
  serverVersion: string;
  writable: boolean;
  startMs: number;
}

/** The tenancy as reports may show it: no password. */
export interface ReportTenancy {
  tenantColumns: string[];
  tenantTable: string | null;
  appRole: string;
  login: string;
  context: string;
  subject: string;
  inferred: string[];
}

/** What the seeder did, per table. */
export interface ReportSeeding {
  tenants: number;
  totalRows: number;
  durationMs: number;
  rowsPerSecond: number;
  tables: { table: string; ownership: Ownership; rows: number; canaryColumns: string[]; plainColumns: { column: string; reason: string }[] }[];
  problems: { table: string; reason: string }[];
}

/** The JSON report: the source of truth every other format renders (DESIGN §1). */
export interface Report {
  schemaVersion: number;
  tool: { name: string; version: string };
  scenario: { name: string; file: string | null };
  seed: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** False when the run was interrupted or failed before the end; the verdict is then inconclusive. */
  complete: boolean;
  incompleteReason?: string;
  /** The harness error that ended the run, if any (message redacted). */
  error?: { code: string; message: string; hint?: string };
  target: ReportTarget | null;
  tenancy: ReportTenancy | null;
  seeding: ReportSeeding | null;
  /** Milliseconds per pipeline step that ran. */
  timings: Partial<Record<PhaseName, number>>;
  phases: PhaseStatus[];
  results: CheckResult[];
  failOn: Severity;
  verdict: Verdict;
  /** Why the verdict is what it is, in one sentence. */
  verdictReason: string;
  /** Unsuppressed findings by severity, suppressed findings, and checks by verdict. */
  counts: { findings: Record<Severity, number>; suppressed: number; checks: Record<Verdict, number> };
}
