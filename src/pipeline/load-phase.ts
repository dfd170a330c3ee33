import type { OnEvent } from '../core/events.ts';
import { HarnessError } from '../core/errors.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { ReportLoad, ReportLoadSample } from '../core/report.ts';
import type { LoadSample } from '../load/driver.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { runLoadExperiment, type LoadOutcome } from '../load/experiment.ts';
import { defaultLoadBudgets } from '../load/judge.ts';
import { loadProfiles, type LoadProfile } from '../load/profiles.ts';
import { httpApiOf } from '../scenario/http-api.ts';
import type { Scenario } from '../scenario/types.ts';
import { apiSubject } from './load-subject-api.ts';

/**
 * The load phase of a run: the scenario's profile (with command-line overrides) and budgets,
 * the noisy-neighbour experiment against the reference app on the seeded database, and the
 * report's `load` section (everything measured, and the limits used, so a run can be repeated).
 */

/** Options of {@link runLoadPhase}. */
export interface LoadPhaseOptions {
  scenario: Scenario;
  adminUrl: string;
  tenancy: Tenancy;
  manifest: SeedManifest;
  onEvent: OnEvent;
  overrides?: Partial<Pick<LoadProfile, 'repeats' | 'stepSeconds' | 'aggressorSteps' | 'patterns'>>;
  /** CI mode: a breached load budget fails the run (high); otherwise it is reported (medium). */
  ci: boolean;
  signal?: AbortSignal;
}

/** Runs the experiment; the app logs in as the scenario's application role. */
export async function runLoadPhase(options: LoadPhaseOptions): Promise<LoadOutcome> {
  const login = options.tenancy.appRole.login;
  if (login.method !== 'password') {
    throw new HarnessError('usage', `the load experiment's app logs in as ${options.tenancy.appRole.name}, which has no password in the scenario`, { hint: 'Give tenancy.appRole a password (login: password).' });
  }
  const profile: LoadProfile = { ...loadProfiles[options.scenario.load.profile], ...options.overrides };
  const http = options.scenario.http;
  const api = httpApiOf(options.scenario);
  // The reference app is the default subject; a user's API comes from its description.
  const subject =
    http && api && http.app.kind !== 'reference'
      ? await apiSubject({ http, api, adminUrl: options.adminUrl, manifest: options.manifest, victims: profile.victims, onEvent: options.onEvent, ...(options.signal ? { signal: options.signal } : {}) })
      : undefined;
  return runLoadExperiment({
    ...(subject ? { subject } : {}),
    gateSeverity: options.ci ? 'high' : 'medium',
    adminUrl: options.adminUrl,
    appRole: { name: options.tenancy.appRole.name, password: login.password },
    manifest: options.manifest,
    profile,
    budgets: { ...defaultLoadBudgets, ...options.scenario.load.budgets },
    onEvent: options.onEvent,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** A sample without its raw latencies. */
function withoutRaw(sample: LoadSample): ReportLoadSample {
  const { latenciesUs: _raw, ...kept } = sample;
  return kept;
}

/** The report's view of an outcome (the same numbers, in the report's types). */
export function toReportLoad(outcome: LoadOutcome): ReportLoad {
  const p = outcome.profile;
  return {
    profile: { name: p.name, stepSeconds: p.stepSeconds, repeats: p.repeats, patterns: [...p.patterns], aggressorSteps: [...p.aggressorSteps], victims: p.victims, victimRate: p.victimRate, victimConnections: p.victimConnections, poolSize: p.poolSize },
    budgets: { ...outcome.budgets },
    setup: outcome.setup,
    steps: outcome.summary.steps,
    edgePoints: outcome.summary.edgePoints,
    rlsOverhead: outcome.rlsOverhead,
    // Raw latencies are for the judgement; the report keeps percentiles and histograms.
    runs: outcome.runs.map((run) => ({ ...run, victims: run.victims.map(withoutRaw), aggressor: run.aggressor ? withoutRaw(run.aggressor) : null })),
    durationMs: Math.round(outcome.durationMs),
  };
}
