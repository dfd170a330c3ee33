import { relative } from 'node:path';
import { measureAccessMatrix } from '../attacks/access-matrix.ts';
import { markConfirmations } from '../attacks/confirm.ts';
import { openAttackEnv } from '../attacks/env.ts';
import { attackProbes } from '../attacks/registry.ts';
import { runAttacks } from '../attacks/run-attacks.ts';
import { buildAuditContext } from '../audit/context.ts';
import { runAudit } from '../audit/run-audit.ts';
import { inferTenancy } from '../catalog/infer-tenancy.ts';
import { introspect } from '../catalog/introspect.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { indexSchemaSources } from '../catalog/source-locations.ts';
import type { CheckResult } from '../core/check.ts';
import { HarnessError, isHarnessError, messageOf, throwIfAborted } from '../core/errors.ts';
import { ignoreEvents, type OnEvent, type PhaseName } from '../core/events.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { PhaseStatus, Report, ReportAccessMatrix, ReportLoad, ReportTarget } from '../core/report.ts';
import { randomRunSeed } from '../core/seed-random.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { applySchema } from '../db/apply-schema.ts';
import { pingServer, watchServer } from '../db/watch-server.ts';
import { assertWritable } from '../db/backends/index.ts';
import { redactCredentials, withClient } from '../db/connect.ts';
import type { DatabaseBackend, StartedDatabase } from '../db/database.ts';
import { buildReport } from '../report/build-report.ts';
import type { Scenario } from '../scenario/types.ts';
import { manifestFromDatabase, seedTenants } from '../seed/index.ts';
import { runHttpPhase } from './http-phase.ts';
import { runLoadPhase, toReportLoad } from './load-phase.ts';
import type { LoadProfile } from '../load/profiles.ts';
import { replayArgs } from './replay-args.ts';
import { toolInfo } from './tool-info.ts';

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  scenario: Scenario;
  backend: DatabaseBackend;
  /** Overrides the scenario's seed; random when neither gives one. */
  seed?: number;
  onEvent?: OnEvent;
  /** Aborting stops the run: Postgres is stopped and a partial report is returned. */
  signal?: AbortSignal;
  /**
   * `run` (default): every phase. `audit`: the catalog audit only — no seeding; on an
   * existing server (url backend) nothing is written at all: no schema, and the catalog is
   * read in read-only sessions.
   */
  mode?: PipelineMode;
  /** Overrides of the scenario's load profile (`tenantguard load --repeats/--step-seconds`). */
  loadProfile?: Partial<Pick<LoadProfile, 'repeats' | 'stepSeconds' | 'aggressorSteps' | 'patterns'>>;
  /**
   * CI mode (`--ci`, or CI=true in the environment): load budgets fail the run. Outside it a
   * breach is a medium finding — latency on a shared machine is shown, not gated.
   */
  ci?: boolean;
}

/** What a command runs: everything, or one part. */
export type PipelineMode = 'run' | 'audit' | 'attack' | 'load';

/** What a run produced. `error` is set when the harness, not the target, failed. */
export interface RunOutcome {
  report: Report;
  seed: number;
  manifest: SeedManifest | null;
  snapshot: CatalogSnapshot | null;
  error: HarnessError | null;
}

/** Why the load experiment cannot run on this scenario, or null when it can. */
export function loadUnavailable(scenario: Scenario): string | null {
  return scenario.http?.enabled ? null : 'the load experiment drives an HTTP app: the scenario needs an http section (your API, or reference: true for the reference app)';
}

/** Phases that did not run are reported as not run (with why), never as passed. */
function phaseStatuses(scenario: Scenario, mode: PipelineMode, ran: { audit: boolean; attack: boolean; http: boolean; load: boolean }, failed: { phase: PhaseName | null; message: string } | null): PhaseStatus[] {
  const status = (phase: 'audit' | 'attack', enabled: boolean, partOf: boolean): PhaseStatus =>
    failed?.phase === phase
      ? { phase, status: 'failed', reason: failed.message }
      : ran[phase]
        ? { phase, status: 'ran' }
        : { phase, status: 'not-run', reason: !partOf ? `not part of \`tenantguard ${mode}\`` : !enabled ? 'disabled in the scenario' : failed ? 'the run ended before it' : 'not reached' };
  return [
    status('audit', scenario.audit.enabled, mode === 'run' || mode === 'audit'),
    status('attack', scenario.attacks.enabled, mode === 'run' || mode === 'attack'),
    failed?.phase === 'http'
      ? { phase: 'http', status: 'failed', reason: failed.message }
      : ran.http
        ? { phase: 'http', status: 'ran' }
        : { phase: 'http', status: 'not-run', reason: !scenario.http ? 'the scenario describes no HTTP API (http section)' : mode === 'audit' || mode === 'load' ? `not part of \`tenantguard ${mode}\`` : !scenario.http.enabled || !scenario.attacks.enabled ? 'disabled in the scenario' : failed ? 'the run ended before it' : 'not reached' },
    failed?.phase === 'load'
      ? { phase: 'load', status: 'failed', reason: failed.message }
      : ran.load
        ? { phase: 'load', status: 'ran' }
        : { phase: 'load', status: 'not-run', reason: mode !== 'run' && mode !== 'load' ? `not part of \`tenantguard ${mode}\`` : !scenario.load.enabled ? 'disabled (load.enabled: false or --no-load)' : loadUnavailable(scenario) ?? (failed ? 'the run ended before it' : 'not reached') },
  ];
}


/** Shows schema paths relative to the working directory in findings. */
function schemaSources(files: readonly string[]) {
  return files.map((path) => ({ path, shown: relative(process.cwd(), path) || path }));
}

/**
 * The main job: start the database, apply the schema, read the catalog, resolve the tenancy,
 * seed the tenants, run the phases, and build the report. Always stops what it started and
 * always returns a report; a run that did not finish is marked incomplete (inconclusive).
 */
export async function runScenario(options: RunScenarioOptions): Promise<RunOutcome> {
  const { scenario } = options;
  // Aborted by the user (options.signal) or when the server dies under the run: either way
  // every phase stops at once instead of failing call by call.
  const serverGone = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, serverGone.signal]) : serverGone.signal;
  let lost: string | null = null;
  const watching = new AbortController();
  const mode = options.mode ?? 'run';
  const onEvent = options.onEvent ?? ignoreEvents;
  const seed = options.seed ?? scenario.seed.seed ?? randomRunSeed();
  const startedAt = new Date();
  const timings: Partial<Record<PhaseName, number>> = {};
  let target: ReportTarget | null = null;
  let tenancy: Tenancy | null = null;
  let manifest: SeedManifest | null = null;
  let snapshot: CatalogSnapshot | null = null;
  let error: HarnessError | null = null;
  let results: CheckResult[] = [];
  const ran = { audit: false, attack: false, http: false, load: false };
  let load: ReportLoad | undefined;
  let accessMatrix: ReportAccessMatrix | undefined;

  // The phase under way, so a failure is reported against it.
  let current: PhaseName | null = null;
  const phase = async <T>(name: PhaseName, work: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    current = name;
    onEvent({ type: 'phase-start', phase: name });
    const began = performance.now();
    const value = await work();
    // A phase cut short by an abort is reported as failed (its results so far are kept).
    if (signal.aborted) return value;
    current = null;
    timings[name] = Math.round(performance.now() - began);
    onEvent({ type: 'phase-end', phase: name, durationMs: timings[name] });
    return value;
  };

  let db: StartedDatabase | undefined;
  try {
    db = await phase('start', () => options.backend.start({ signal, onEvent }));
    target = { ...db.summary, startMs: db.startMs };
    // Our own server process is watched directly; a server we did not start is pinged.
    const gone = db.lost ?? watchServer(db.adminUrl, { signal: watching.signal });
    const serverLost = (how: string) => {
      if (lost) return;
      lost = `Postgres ${how} during the ${current ?? 'run'} phase: the connection to the server was lost`;
      onEvent({ type: 'warning', message: lost });
      serverGone.abort(new Error(lost));
    };
    void gone.then(serverLost);
    // A phase that ends with inconclusive checks on a server we did not start may have lost
    // it between two pings of the watch: ask now, so the phase is reported failed, not ran.
    const confirmServer = async (found: CheckResult[]) => {
      if (db?.lost || !found.some((r) => r.verdict === 'inconclusive')) return;
      const how = await pingServer(db!.adminUrl);
      if (how) serverLost(how);
    };
    const adminUrl = db.adminUrl;
    const started = db;
    // An existing server is only ever read by the audit: its schema is what we audit.
    const liveAudit = mode === 'audit' && started.backend === 'url';
    if (!liveAudit) {
      await phase('schema', async () => {
        assertWritable(started, 'apply the schema');
        await applySchema(adminUrl, scenario.schema, { onEvent, signal });
      });
    }
    snapshot = await phase('introspect', () => withClient(adminUrl, (client) => introspect(client), { readOnly: liveAudit }));
    const resolved = inferTenancy(snapshot, scenario.tenancy);
    tenancy = resolved.tenancy;
    for (const note of resolved.notes) onEvent({ type: 'info', message: `inferred ${note}` });
    const catalog = snapshot;
    const resolvedTenancy = tenancy;
    if (scenario.audit.enabled && (mode === 'run' || mode === 'audit')) {
      results = await phase('audit', async () => {
        const locate = await indexSchemaSources(liveAudit ? [] : schemaSources(scenario.schema));
        const context = buildAuditContext(catalog, resolvedTenancy, locate);
        return runAudit(context, { suppressions: scenario.audit.suppressions, onEvent });
      });
      ran.audit = true;
    }
    if (mode !== 'audit') manifest = await phase('seed', async () => {
      assertWritable(started, 'seed tenants');
      if (scenario.seed.sql.length > 0) {
        await applySchema(adminUrl, scenario.seed.sql, { onEvent, signal });
        return manifestFromDatabase(adminUrl, catalog, resolvedTenancy, seed);
      }
      return seedTenants(adminUrl, catalog, resolvedTenancy, {
        tenants: scenario.seed.tenants,
        rowsPerTable: scenario.seed.rowsPerTable,
        seed,
        onEvent,
        signal,
      });
    });
    throwIfAborted(signal);
    const seeded = manifest;
    if ((mode === 'run' || mode === 'attack') && scenario.attacks.enabled && seeded) {
      const attackResults = await phase('attack', async () => {
        const env = await openAttackEnv(adminUrl, catalog, resolvedTenancy, seeded);
        try {
          const found = await runAttacks(env, {
            probes: attackProbes,
            runSeed: seed,
            runs: scenario.attacks.runs,
            timeBudgetMs: scenario.attacks.timeBudgetSeconds * 1000,
            scenarioFile: scenario.file ? relative(process.cwd(), scenario.file) : null,
            replayArgs: replayArgs(scenario),
            onEvent,
            signal,
          });
          // The matrix is a view of the attack surface, not a check: failing to draw it never fails the phase.
          accessMatrix = await measureAccessMatrix(env, { timeBudgetMs: scenario.attacks.timeBudgetSeconds * 1000, onEvent, ...(signal ? { signal } : {}) }).catch((caught: unknown) => {
            onEvent({ type: 'warning', message: `the access matrix could not be measured: ${redactCredentials(messageOf(caught))}` });
            return undefined;
          });
          await confirmServer(found);
          return found;
        } finally {
          await env.close();
        }
      });
      markConfirmations(results, attackResults, attackProbes);
      results = [...results, ...attackResults];
      ran.attack = true;
    }
    throwIfAborted(signal);
    if ((mode === 'run' || mode === 'attack') && scenario.attacks.enabled && scenario.http?.enabled && seeded) {
      const httpResults = await phase('http', async () => {
        const found = await runHttpPhase({ scenario, adminUrl, tenancy: resolvedTenancy, manifest: seeded, runSeed: seed, onEvent, ...(signal ? { signal } : {}) });
        await confirmServer(found);
        return found;
      });
      results = [...results, ...httpResults];
      ran.http = true;
    }
    throwIfAborted(signal);
    if ((mode === 'run' || mode === 'load') && scenario.load.enabled && seeded && loadUnavailable(scenario) === null) {
      const outcome = await phase('load', () => runLoadPhase({ scenario, adminUrl, tenancy: resolvedTenancy, manifest: seeded, onEvent, ci: options.ci ?? false, ...(options.loadProfile ? { overrides: options.loadProfile } : {}), ...(signal ? { signal } : {}) }));
      results = [...results, ...outcome.summary.results];
      load = toReportLoad(outcome);
      ran.load = true;
    }
    throwIfAborted(signal);
  } catch (caught) {
    // Whatever failed, on a server we did not start: if the server is gone, that is the cause.
    if (!lost && db && !db.lost && !options.signal?.aborted) {
      const how = await pingServer(db.adminUrl);
      if (how) {
        lost = `Postgres ${how} during the ${current ?? 'run'} phase: the connection to the server was lost`;
        onEvent({ type: 'warning', message: lost });
      }
    }
    error = options.signal?.aborted
      ? new HarnessError('interrupted', 'the run was interrupted', { cause: caught })
      : lost
        ? new HarnessError('backend-failed', lost, { cause: caught, hint: 'See postgres.log in the run folder; the checks it cut short are inconclusive.' })
      : isHarnessError(caught)
        ? caught
        : new HarnessError('internal', `unexpected error: ${redactCredentials(messageOf(caught))}`, { cause: caught });
  } finally {
    watching.abort();
    if (db) await db.stop().catch(() => {});
  }

  const report = buildReport({
    tool: toolInfo(),
    // Relative to where tenantguard ran: no machine paths in reports, and SARIF maps it onto the repository.
    scenario: { name: scenario.name, file: scenario.file ? relative(process.cwd(), scenario.file) || scenario.file : null },
    seed,
    startedAt,
    finishedAt: new Date(),
    complete: error === null,
    ...(error ? { incompleteReason: error.message } : {}),
    ...(error ? { error: { code: error.code, message: redactCredentials(error.message), ...(error.hint ? { hint: error.hint } : {}) } } : {}),
    target,
    tenancy,
    manifest,
    timings,
    phases: phaseStatuses(scenario, mode, ran, error ? { phase: current, message: redactCredentials(error.message) } : null),
    ...(load ? { load } : {}),
    ...(accessMatrix ? { accessMatrix } : {}),
    results,
    failOn: scenario.gates.failOn,
  });
  return { report, seed, manifest, snapshot, error };
}
