import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createFairnessGate, defaultFairnessConfig, type FairnessConfig } from '../app/fairness/index.ts';
import { startReferenceApp } from '../app/start-app.ts';
import { throwIfAborted } from '../core/errors.ts';
import type { OnEvent } from '../core/events.ts';
import type { Severity } from '../core/check.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { ReportLoad } from '../core/report.ts';
import { withCredentials } from '../db/connect.ts';
import { collectGarbage } from './collect-garbage.ts';
import { startDbTimeSampler, type DbTimeResult } from './db-time.ts';
import { runLoad, type LoadSample } from './driver.ts';
import type { LoadBudgets } from './judge.ts';
import { runLongTransactions, type LongTransactionsOutcome } from './long-transactions.ts';
import type { LoadPattern, LoadProfile } from './profiles.ts';
import { createBypassRole } from './rls-overhead.ts';
import { summarizeLoad, type LoadSummary } from './summarize.ts';
import { aggressorSpec, readCast, referenceRoutes, victimSpec, type LoadCast, type LoadRoutes, type LoadTenant } from './targets.ts';

/**
 * The noisy-neighbour experiment against the reference app on a seeded database. For each
 * repeat, with fairness off and then on (a fresh app each time, same pool size): victims warm
 * up, a baseline measures them alone, then every pattern × aggressor step measures them while
 * the aggressor loads the app; database time per tenant is sampled during each contended run.
 * Last, the RLS overhead: the victims' light reads through the app's role (policies enforce
 * the tenant) against a BYPASSRLS role (only the routes' explicit filters), closed loop.
 * Everything measured is kept (`runs`), so a report can show and reproduce it.
 */

/** Options of {@link runLoadExperiment}. */
export interface LoadExperimentOptions {
  adminUrl: string;
  appRole: { name: string; password: string };
  manifest: SeedManifest;
  profile: LoadProfile;
  budgets: LoadBudgets;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  /** Sample database time per tenant during contention (default true; costs a poll every 10 ms). */
  sampleDbTime?: boolean;
  /** Overrides of the fairness defaults (experiments with the gate itself). */
  fairness?: (defaults: FairnessConfig) => FairnessConfig;
  /** The app under load (default: the reference app on `adminUrl`). */
  subject?: LoadSubject;
  /**
   * Severity of a breached budget (default high: it fails the run). Outside CI mode the
   * pipeline passes medium: latency on a shared developer machine is reported, not gated.
   */
  gateSeverity?: Severity;
}

/** A started app under load. */
export interface StartedLoadApp {
  url: string;
  /** The headers that authenticate a request as `tenant`. */
  headers(tenant: LoadTenant): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The app under load: the reference app, or a user's API described in the scenario (api-subject.ts). */
export interface LoadSubject {
  /** Runs with fairness off and then on (the reference app's switch); otherwise once, as configured, and gated. */
  fairnessSwitch: boolean;
  /** The reference app on the reference schema: its statements name their tenant (database time), and long transactions know its tables. */
  reference: boolean;
  /** False for an app that runs already: it cannot be started again as another role (no RLS overhead). */
  restartable: boolean;
  cast: LoadCast;
  routes: LoadRoutes;
  /** Starts the app logging in as `role`; `fairness` only for an app with the switch. */
  start(role: { name: string; password: string }, fairness: FairnessConfig | null): Promise<StartedLoadApp>;
}

/** The reference app (src/app/) on the seeded reference schema. */
export async function referenceSubject(options: Pick<LoadExperimentOptions, 'adminUrl' | 'manifest' | 'profile'>): Promise<LoadSubject> {
  const cast = await readCast(options.adminUrl, options.manifest, options.profile.victims);
  return {
    fairnessSwitch: true,
    reference: true,
    restartable: true,
    cast,
    routes: referenceRoutes,
    async start(role, fairness) {
      const gate = fairness ? createFairnessGate(fairness) : undefined;
      const app = await startReferenceApp({ databaseUrl: options.adminUrl, appRole: role, poolSize: options.profile.poolSize, jwtSecret: randomBytes(24).toString('base64url'), ...(gate ? { fairness: gate } : {}) });
      return {
        url: app.url,
        headers: async (t) => ({ authorization: `Bearer ${await app.mintToken(t.id, t.user)}` }),
        close: async () => {
          await app.close();
          gate?.close();
        },
      };
    },
  };
}

/** One measured run: a baseline (no aggressor) or a contention step. */
export interface LoadRun {
  pattern: LoadPattern | null;
  aggressorConnections: number;
  fairness: boolean;
  repeat: number;
  victims: LoadSample[];
  aggressor: LoadSample | null;
  longTransactions: LongTransactionsOutcome | null;
  /** Tenant uuid → estimated database time (null for baselines). */
  dbTime: DbTimeResult | null;
}

/** The RLS overhead comparison (closed loop, one victim's light reads). */
export interface RlsOverhead {
  withPolicies: LoadSample;
  bypassingPolicies: LoadSample;
  /** Throughput through policies / throughput with explicit filters only (1 = no overhead). */
  throughputRatio: number;
  /** p50 latency through policies / p50 with explicit filters only. */
  p50Ratio: number;
}

/** What the experiment produced. */
export interface LoadOutcome {
  profile: LoadProfile;
  budgets: LoadBudgets;
  setup: ReportLoad['setup'] & { fairness: FairnessConfig | null };
  runs: LoadRun[];
  rlsOverhead: RlsOverhead | null;
  summary: LoadSummary;
  durationMs: number;
}

/** Runs the whole experiment; abort stops the drivers and the apps. */
export async function runLoadExperiment(options: LoadExperimentOptions): Promise<LoadOutcome> {
  const began = performance.now();
  const { profile, signal } = options;
  const say = (message: string) => options.onEvent?.({ type: 'info', message });
  const cores = availableParallelism();
  const defaults = defaultFairnessConfig(profile.poolSize, cores);
  const fairness = options.fairness ? options.fairness(defaults) : defaults;
  const subject = options.subject ?? (await referenceSubject(options));
  const { cast, routes } = subject;
  const settings = subject.fairnessSwitch ? [false, true] : [true];
  say(`aggressor tenant #${cast.aggressor.index} (plan ${cast.aggressor.plan}); victims ${cast.victims.map((v) => `#${v.index} (${v.plan})`).join(', ')} at ${profile.victimRate} req/s each; ${subject.fairnessSwitch ? 'fairness off, then on' : 'the app as configured'}`);
  const runs: LoadRun[] = [];
  const total = profile.repeats * settings.length * (1 + profile.patterns.length * profile.aggressorSteps.length);
  const progress = (detail: string) => options.onEvent?.({ type: 'progress', phase: 'load', done: runs.length, total, detail });
  const appUrl = withCredentials(options.adminUrl, options.appRole.name, options.appRole.password);
  // Live counts for a terminal: requests sent so far per driver, at most a few times a second.
  let sentBy = new Map<string, number>();
  const onProgress = (label: string, sent: number) => {
    sentBy.set(label, sent);
    options.onEvent?.({ type: 'status', phase: 'load', text: [...sentBy].map(([who, n]) => `${who} ${n}`).join(' · ') });
  };
  // A poll every 50 ms: enough for shares over a step, light enough not to be the noise it measures.
  const startSampler = async () =>
    options.sampleDbTime === false || !subject.reference ? null : startDbTimeSampler({ adminUrl: options.adminUrl, applicationName: 'tenantguard reference app', intervalMs: 50, ...(signal ? { signal } : {}) });
  const drive = (specs: Parameters<typeof runLoad>[0]) => {
    sentBy = new Map();
    return runLoad(specs, { onProgress, ...(signal ? { signal } : {}) });
  };

  for (let repeat = 1; repeat <= profile.repeats; repeat++) {
    for (const on of settings) {
      throwIfAborted(signal);
      const app = await subject.start(options.appRole, subject.fairnessSwitch && on ? fairness : null);
      try {
        const victimHeaders = await Promise.all(cast.victims.map((v) => app.headers(v)));
        const aggressorHeaders = await app.headers(cast.aggressor);
        const victims = (seconds: number) => cast.victims.map((v, i) => victimSpec(app.url, v, victimHeaders[i]!, profile, seconds, routes));
        await drive(victims(profile.warmupSeconds));
        progress(`baseline, fairness ${on ? 'on' : 'off'}, repeat ${repeat}/${profile.repeats}`);
        // The sampler runs in the baseline too: the same instruments on both sides of a ratio.
        const baseSampler = await startSampler();
        collectGarbage();
        const alone = await drive(victims(profile.stepSeconds)).finally(() => baseSampler?.stop());
        runs.push({ pattern: null, aggressorConnections: 0, fairness: on, repeat, victims: alone, aggressor: null, longTransactions: null, dbTime: baseSampler ? await baseSampler.stop() : null });
        for (const pattern of profile.patterns) {
          for (const connections of profile.aggressorSteps) {
            progress(`${pattern} ×${connections}, fairness ${on ? 'on' : 'off'}, repeat ${repeat}/${profile.repeats}`);
            const sampler = await startSampler();
            const spec = aggressorSpec(app.url, cast.aggressor, aggressorHeaders, pattern, connections, profile.stepSeconds, routes);
            if (!spec && !(pattern === 'long-transactions' && subject.reference)) {
              say(`${pattern}: nothing in the API description to send for it; skipped`);
              continue;
            }
            collectGarbage();
            const measured = Promise.all([
              drive(spec ? [...victims(profile.stepSeconds), spec] : victims(profile.stepSeconds)),
              pattern === 'long-transactions' && subject.reference ? runLongTransactions({ appUrl, tenant: cast.aggressor.id, sessions: connections, seconds: profile.stepSeconds, ...(signal ? { signal } : {}) }) : Promise.resolve(null),
            ]);
            // The sampler's connection is closed whatever happens to the step.
            const [samples, longTransactions] = await measured.finally(() => sampler?.stop());
            const dbTime = sampler ? await sampler.stop() : null;
            runs.push({ pattern, aggressorConnections: connections, fairness: on, repeat, victims: samples.slice(0, cast.victims.length), aggressor: spec ? samples[cast.victims.length]! : null, longTransactions, dbTime });
          }
        }
      } finally {
        await app.close();
      }
    }
  }

  let rlsOverhead: RlsOverhead | null = null;
  if (subject.restartable) {
    progress('RLS overhead: policies vs a BYPASSRLS role with the same explicit filters');
    rlsOverhead = await measureRlsOverhead(options, subject);
  }
  const setup = {
    poolSize: profile.poolSize,
    cores,
    // A user's app runs as configured: its own controls, none of ours.
    fairness: subject.fairnessSwitch ? fairness : null,
    subject: subject.reference ? ('reference' as const) : ('api' as const),
    aggressor: { index: cast.aggressor.index, id: cast.aggressor.id, plan: cast.aggressor.plan },
    victims: cast.victims.map((v) => ({ index: v.index, id: v.id, plan: v.plan })),
    victimRate: profile.victimRate,
    victimConnections: profile.victimConnections,
  };
  return { profile, budgets: options.budgets, setup, runs, rlsOverhead, summary: summarizeLoad(runs, cast, options.budgets, profile.victimRate, subject.fairnessSwitch ? 'With fairness on' : 'With the app as configured', options.gateSeverity ?? 'high'), durationMs: performance.now() - began };
}

/** The victims' light reads, closed loop, through policies and then around them. */
async function measureRlsOverhead(options: LoadExperimentOptions, subject: LoadSubject): Promise<RlsOverhead> {
  const { profile, signal } = options;
  const victim = subject.cast.victims[0]!;
  const measure = async (role: { name: string; password: string }, label: string): Promise<LoadSample> => {
    const app = await subject.start(role, null);
    try {
      const spec = { label, url: app.url, paths: subject.routes.light(victim), headers: await app.headers(victim), connections: 8, durationSeconds: profile.rlsSeconds };
      // Warmed first: the side measured second would otherwise gain from the first's warm caches.
      await runLoad([{ ...spec, durationSeconds: profile.warmupSeconds }], { ...(signal ? { signal } : {}) });
      return (await runLoad([spec], { ...(signal ? { signal } : {}) }))[0]!;
    } finally {
      await app.close();
    }
  };
  const bypass = await createBypassRole(options.adminUrl, options.appRole.name);
  try {
    const withPolicies = await measure(options.appRole, 'through policies');
    const bypassingPolicies = await measure({ name: bypass.name, password: bypass.password }, 'explicit filters (BYPASSRLS)');
    return {
      withPolicies,
      bypassingPolicies,
      throughputRatio: bypassingPolicies.throughput > 0 ? withPolicies.throughput / bypassingPolicies.throughput : Number.NaN,
      p50Ratio: bypassingPolicies.latencyUs.p50 > 0 ? withPolicies.latencyUs.p50 / bypassingPolicies.latencyUs.p50 : Number.NaN,
    };
  } finally {
    await bypass.drop();
  }
}
