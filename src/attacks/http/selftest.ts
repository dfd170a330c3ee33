import { availableParallelism } from 'node:os';
import { createFairnessGate, defaultFairnessConfig } from '../../app/fairness/index.ts';
import { flawNames, type FlawName } from '../../app/flaws.ts';
import { startReferenceApp, type ReferenceApp } from '../../app/start-app.ts';
import { inferTenancy } from '../../catalog/infer-tenancy.ts';
import { introspect } from '../../catalog/introspect.ts';
import type { CheckResult, Finding } from '../../core/check.ts';
import { HarnessError } from '../../core/errors.ts';
import type { SeedManifest } from '../../core/manifest.ts';
import { applySchema } from '../../db/apply-schema.ts';
import { embeddedBackend } from '../../db/backends/embedded.ts';
import { withClient } from '../../db/connect.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { seedTenants } from '../../seed/seed-tenants.ts';
import { referenceApi } from './api.ts';
import { buildHttpTarget } from './build-target.ts';
import { restoreState, snapshotState } from './db-state.ts';
import { httpProbes } from './registry.ts';
import { runHttpAttacks } from './run-http-attacks.ts';
import type { HttpTarget } from './target.ts';
import { floodReports, floodTenant, judgeFlood, type FloodOutcome } from './throttling.ts';

/**
 * The self-test: the harness attacks the reference app in the clean configuration and with
 * each flaw switched on, one at a time, and reports a mutation score (flaws detected / flaws
 * switched in). The clean app must give no finding. Every configuration is a fresh app on
 * the same seeded database; write cases restore what they changed, and the database is
 * checked (and restored if needed) against the seeded state after every configuration.
 *
 * `no-fairness` leaks nothing: it is detected by the absence of throttling — a bounded flood
 * from one tenant gets no 429/503, where the secure app behind the default fairness gate
 * turns some away (throttling.ts).
 */

/** Options of {@link runSelftestOnDatabase}. */
export interface SelftestDatabaseOptions {
  adminUrl: string;
  appRole: { name: string; password: string };
  manifest: SeedManifest;
  runSeed: number;
  /** Cases per HTTP probe per configuration (default 40). */
  runs?: number;
  /** Connections of the probed app's pool: small, so connections are reused across tenants (default 2). */
  poolSize?: number;
  /** Flaws to switch in (default: all six). */
  flaws?: readonly FlawName[];
  /** Run one probe only, optionally replaying its recorded path. */
  probe?: string;
  path?: string;
  /** Progress lines. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** What one configuration (clean, or one flaw) produced. */
export interface SelftestConfigOutcome {
  flaw: FlawName | null;
  findings: Finding[];
  /** Checks that could not decide (error, or no baseline). */
  inconclusive: string[];
  /** From the app's start to the first leaking case of any probe; null when none. */
  firstDetectionMs: number | null;
  detectedBy: string[];
  durationMs: number;
}

/** The self-test's verdict. */
export interface SelftestResult {
  clean: SelftestConfigOutcome;
  flaws: SelftestConfigOutcome[];
  detected: number;
  total: number;
  /** detected / total, 0..1. */
  score: number;
  baseline: FloodOutcome;
  /** Every flaw switched in detected (score 100%) and no finding on the clean app. */
  passed: boolean;
  durationMs: number;
}

const secret = 'tenantguard-selftest-secret';

/**
 * What every configuration shares: the target built once from the manifest (its url and pool
 * are each configuration's app's), and the tenant that floods.
 */
interface SelftestContext {
  options: SelftestDatabaseOptions;
  base: HttpTarget;
  flooder: number;
}

function targetOf(ctx: SelftestContext, app: ReferenceApp, poolSize: number): HttpTarget {
  return { ...ctx.base, url: app.url, poolSize };
}

async function floodWithGate(ctx: SelftestContext, flaw: FlawName | null): Promise<{ target: HttpTarget; flood: FloodOutcome }> {
  const poolSize = 10;
  const fairness = createFairnessGate(defaultFairnessConfig(poolSize, availableParallelism()));
  const app = await startReferenceApp({ databaseUrl: ctx.options.adminUrl, appRole: ctx.options.appRole, jwtSecret: secret, poolSize, fairness, ...(flaw ? { flaw } : {}) });
  try {
    const target = targetOf(ctx, app, poolSize);
    return { target, flood: await floodReports(target, { tenant: ctx.flooder }) };
  } finally {
    await app.close();
  }
}

async function runConfig(ctx: SelftestContext, flaw: FlawName | null, baseline: FloodOutcome | null): Promise<SelftestConfigOutcome> {
  const { options } = ctx;
  const began = performance.now();
  const poolSize = options.poolSize ?? 2;
  const findings: Finding[] = [];
  const inconclusive: string[] = [];
  let firstDetectionMs: number | null = null;
  const detectedBy: string[] = [];
  const app = await startReferenceApp({ databaseUrl: options.adminUrl, appRole: options.appRole, jwtSecret: secret, poolSize, ...(flaw ? { flaw } : {}) });
  const started = performance.now();
  const detect = (check: string) => {
    firstDetectionMs ??= performance.now() - started;
    if (!detectedBy.includes(check)) detectedBy.push(check);
  };
  let results: CheckResult[];
  try {
    const probes = options.probe ? httpProbes.filter((p) => p.meta.id === options.probe) : httpProbes;
    results = await runHttpAttacks(targetOf(ctx, app, poolSize), {
      probes,
      runSeed: options.runSeed,
      runs: options.runs ?? 40,
      ...(options.path ? { path: options.path } : {}),
      replayPrefix: `tenantguard selftest${flaw ? ` --flaw ${flaw}` : ' --flaw none'}`,
      onDetect: detect,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await app.close();
  }
  for (const r of results) {
    findings.push(...r.findings);
    if (r.verdict === 'inconclusive') inconclusive.push(`${r.meta.id}: ${r.error ?? 'inconclusive'}`);
  }
  if (!options.probe || options.probe === 'http-no-throttling') {
    const floodStarted = performance.now();
    const { target, flood } = await floodWithGate(ctx, flaw);
    const finding = baseline ? judgeFlood(target, flood, baseline) : null;
    if (finding) {
      findings.push(finding);
      // Time to detection of the flood check: the app's start to the end of its flood.
      firstDetectionMs ??= started - began + (performance.now() - floodStarted);
      detect('http-no-throttling');
    }
  }
  return { flaw, findings, inconclusive, firstDetectionMs, detectedBy, durationMs: performance.now() - began };
}

/** Runs the self-test on a database that holds the reference schema, seeded as `manifest`. */
export async function runSelftestOnDatabase(options: SelftestDatabaseOptions): Promise<SelftestResult> {
  const began = performance.now();
  const say = options.onLine ?? (() => {});
  const ids = options.manifest.tenants.map((t) => t.id);
  const readPlans = () =>
    withClient(options.adminUrl, async (client) => {
      const { rows } = await client.query<{ id: string; plan: string }>('select id::text as id, plan from public.tenants where id = any($1::uuid[])', [ids]);
      return ids.map((id) => rows.find((r) => r.id === id)?.plan ?? 'free');
    });
  const plans = await readPlans();
  // The gate pushes back on a 20-connection flood only within a small plan's queue (free: 1
  // slot, 8 queued); larger plans absorb it. Without a free tenant in the seed, one tenant is
  // moved to the free plan for the self-test and moved back after.
  const moved = plans.includes('free') ? null : { index: 0, id: ids[0]!, plan: plans[0]! };
  const setPlan = (id: string, plan: string) => withClient(options.adminUrl, (client) => client.query('update public.tenants set plan = $2 where id = $1', [id, plan]));
  if (moved) {
    await setPlan(moved.id, 'free');
    plans[moved.index] = 'free';
    say(`tenant #${moved.index} moved from plan ${moved.plan} to free for the flood (restored after)`);
  }
  try {
    const base = await buildHttpTarget({ url: 'http://127.0.0.1:0', api: referenceApi, adminUrl: options.adminUrl, manifest: options.manifest, jwtSecret: secret });
    return await selftestConfigs({ options, base, flooder: floodTenant(plans) }, began, say);
  } finally {
    if (moved) await setPlan(moved.id, moved.plan);
  }
}

async function selftestConfigs(ctx: SelftestContext, began: number, say: (line: string) => void): Promise<SelftestResult> {
  const { options, base } = ctx;
  const seeded = await withClient(options.adminUrl, (client) => snapshotState(client, base.state));
  const settle = async () =>
    withClient(options.adminUrl, async (client) => {
      const restored = await restoreState(client, base.state, seeded, await snapshotState(client, base.state));
      if (restored.length > 0) say(`  restored ${restored.join(', ')} to the seeded state`);
    });
  // The secure app behind the default gate, flooded: the throttling that no-fairness must lack.
  const { flood: baseline } = await floodWithGate(ctx, null);
  say(`baseline flood on the secure app with the fairness gate: ${baseline.rejected}/${baseline.requests} turned away`);
  const clean = await runConfig(ctx, null, baseline);
  await settle();
  say(`clean: ${clean.findings.length} finding(s)`);
  const flaws: SelftestConfigOutcome[] = [];
  for (const flaw of options.flaws ?? flawNames) {
    if (options.signal?.aborted) break;
    const outcome = await runConfig(ctx, flaw, baseline);
    await settle();
    say(`${flaw}: ${outcome.findings.length > 0 ? `detected by ${outcome.detectedBy.join(', ')}` : 'NOT detected'}`);
    flaws.push(outcome);
  }
  const detected = flaws.filter((f) => f.findings.length > 0).length;
  const total = flaws.length;
  const score = total === 0 ? 0 : detected / total;
  return { clean, flaws, detected, total, score, baseline, passed: detected === total && clean.findings.length === 0, durationMs: performance.now() - began };
}

/** Options of {@link runSelftest}. */
export interface SelftestOptions extends Omit<SelftestDatabaseOptions, 'adminUrl' | 'appRole' | 'manifest'> {
  /** Scenario with the reference schema and tenancy (default: the shipped reference scenario). */
  scenarioPath: string;
  tenants?: number;
  rows?: number;
  pgBin?: string;
}

/** Starts embedded Postgres, applies the reference schema, seeds it, runs the self-test, stops Postgres. */
export async function runSelftest(options: SelftestOptions): Promise<SelftestResult> {
  const scenario = await loadScenario(options.scenarioPath);
  const db = await embeddedBackend({ binDir: options.pgBin }).start(options.signal ? { signal: options.signal } : {});
  try {
    await applySchema(db.adminUrl, scenario.schema, options.signal ? { signal: options.signal } : {});
    const snapshot = await withClient(db.adminUrl, (client) => introspect(client));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const login = tenancy.appRole.login;
    if (login.method !== 'password') throw new HarnessError('usage', 'the reference app logs in with the app role’s password', { hint: 'Give tenancy.appRole a password in the scenario.' });
    const manifest = await seedTenants(db.adminUrl, snapshot, tenancy, { tenants: options.tenants ?? 3, rowsPerTable: options.rows ?? 3, seed: options.runSeed, ...(options.signal ? { signal: options.signal } : {}) });
    options.onLine?.(`seeded ${manifest.tenants.length} tenants, ${manifest.totalRows} rows (seed ${options.runSeed})`);
    return await runSelftestOnDatabase({ ...options, adminUrl: db.adminUrl, appRole: { name: tenancy.appRole.name, password: login.password }, manifest });
  } finally {
    await db.stop();
  }
}
