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

/** What one load driver run measured (load/driver.ts). Counts add up: sent = completed + failed-without-answer. */
export interface ReportLoadSample {
  label: string;
  /** Requests sent. */
  sent: number;
  /** Open loop: the send slots in the run, ⌈rate × duration⌉; null for closed loop. */
  expected: number | null;
  /** max(0, expected − sent): sends a stalled connection never made (coordinated omission). 0 for closed loop. */
  omitted: number;
  /** Responses received (any status). */
  completed: number;
  /** From the first send slot to the last answer (sending stops at durationSeconds, then in-flight requests drain). */
  durationMs: number;
  /** Completed 2xx per second of durationMs. */
  throughput: number;
  /** Responses by HTTP status code ('200', '429', …). */
  statuses: Record<string, number>;
  /** Requests without an answer (network error, timeout, connection lost) + 5xx, except 503 with Retry-After. */
  errors: number;
  /** Throttled: 429, and 503 with Retry-After. */
  rejected: number;
  /** Every completed response, any status, in µs; nearest-rank percentiles, whole µs. */
  latencyUs: { count: number; p50: number; p95: number; p99: number; p999: number; max: number; mean: number };
  /**
   * The latency distribution for charts: counts per bucket, buckets ten to a decade in µs
   * (bucket k holds latencies in [10^(k/10), 10^((k+1)/10)); `k` 20 = 100 µs, 30 = 1 ms). Only
   * non-empty buckets, ascending. Absent in reports from before it existed.
   */
  histogram?: { k: number; count: number }[];
}

/** Median, range and spread of one number over the repeats. */
export interface ReportRepeats {
  median: number;
  min: number;
  max: number;
  spread: number;
}

/** The noisy-neighbour experiment: what was run, with which limits, and what it measured. */
export interface ReportLoad {
  profile: { name: string; stepSeconds: number; repeats: number; patterns: string[]; aggressorSteps: number[]; victims: number; victimRate: number; victimConnections: number; poolSize: number };
  budgets: { victimP99Ratio: number; victimErrorRate: number; minSamples: number; maxOmittedRate: number };
  /** Everything a rerun needs: pool, cores, the gate's limits, who played which part. */
  setup: {
    /** The reference app (fairness off, then on) or a user's API (as configured, gated). */
    subject: 'reference' | 'api';
    poolSize: number;
    cores: number;
    /** The reference app's fairness limits; null for a user's API. */
    fairness: unknown;
    aggressor: { index: number; id: string; plan: string };
    victims: { index: number; id: string; plan: string }[];
    victimRate: number;
    victimConnections: number;
  };
  steps: {
    pattern: string;
    aggressorConnections: number;
    fairness: boolean;
    /** The gated number: p99 of every victim request over all repeats, contended ÷ alone (NaN → null in JSON when not measured). */
    ratio: number;
    /** The pooled p99s of `ratio`, µs, and how many latencies each rests on. */
    victimP99Us: number;
    baselineP99Us: number;
    samples: { contended: number; alone: number };
    /** The victims' pooled ratio within each repeat: the spread between repeats. */
    ratioByRepeat: ReportRepeats;
    /** The worst single victim's ratio within each repeat (described, not gated). */
    worstVictimRatio: ReportRepeats;
    /** Each victim over all repeats: its own p99s (µs) and ratio (described, not gated). */
    victims: { label: string; ratio: number; p99Us: number; baselineP99Us: number }[];
    jain: ReportRepeats;
    victimRejected: number;
    victimErrors: number;
    aggressorRejected: number;
    aggressorCompleted: number;
    aggressorDbShare: number | null;
    verdict: Verdict;
    reasons: string[];
  }[];
  edgePoints: { pattern: string; fairness: boolean; objectiveRatio: number; edge: number | null }[];
  rlsOverhead: { withPolicies: ReportLoadSample; bypassingPolicies: ReportLoadSample; throughputRatio: number; p50Ratio: number } | null;
  /** Every measured run: baselines (pattern null) and contention steps, per repeat. */
  runs: {
    pattern: string | null;
    aggressorConnections: number;
    fairness: boolean;
    repeat: number;
    victims: ReportLoadSample[];
    aggressor: ReportLoadSample | null;
    longTransactions: { transactions: number; errors: number } | null;
    dbTime: { byTenant: Record<string, { ms: number; share: number }>; samples: number; untagged: number } | null;
  }[];
  durationMs: number;
}

/** An operation the access matrix tries. */
export type AccessOperation = 'select' | 'insert' | 'update' | 'delete';

/**
 * One cell of the access matrix: what one tenant, acting as the application, could do with
 * one relation. `leaked`: it read or changed another tenant's rows. `allowed`: it could do the
 * operation on its own rows and no other tenant's. `blocked`: it could not do the operation
 * at all (no privilege, or every attempt refused). `not-tested`: the harness had no way to try
 * it (no seeded row to aim at, no insertable row); `detail` says why.
 */
export interface ReportAccessCell {
  tenant: number;
  relation: string;
  operation: AccessOperation;
  outcome: 'allowed' | 'blocked' | 'leaked' | 'not-tested';
  detail?: string;
}

/** Tenant × relation × operation, from the attack phase's live attempts (attacks/access-matrix.ts). */
export interface ReportAccessMatrix {
  /** The tenants that acted, by seed index. */
  tenants: { index: number; id: string }[];
  /** Relations on the attack surface, `schema.name`, sorted. */
  relations: string[];
  operations: AccessOperation[];
  cells: ReportAccessCell[];
}

/** How the run compares with a baseline (`--baseline`): only new findings gate. */
export interface ReportBaseline {
  /** The baseline file as given (relative path). */
  file: string;
  /** When the baseline was written. */
  createdAt: string;
  /** Findings of this run not in the baseline (by fingerprint), those in both, and baseline findings not seen now. */
  counts: { new: number; existing: number; fixed: number };
  /** Baseline findings this run no longer has. */
  fixed: { fingerprint: string; checkId: string; severity: Severity; message: string }[];
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
  /** The noisy-neighbour experiment, when it ran. */
  load?: ReportLoad;
  /** Who could do what to whom, when the attack phase ran. */
  accessMatrix?: ReportAccessMatrix;
  /** The comparison with a baseline, when one was given; findings then carry `baseline`. */
  baseline?: ReportBaseline;
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
