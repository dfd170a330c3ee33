import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { jsonLineLog } from '../app/app-log.ts';
import { startReferenceApp } from '../app/start-app.ts';
import { buildHttpTarget } from '../attacks/http/build-target.ts';
import type { HttpProbe } from '../attacks/http/http-probe.ts';
import { httpProbes } from '../attacks/http/registry.ts';
import { runHttpAttacks } from '../attacks/http/run-http-attacks.ts';
import type { CheckResult } from '../core/check.ts';
import { HarnessError } from '../core/errors.ts';
import type { OnEvent } from '../core/events.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { redactCredentials, withCredentials } from '../db/connect.ts';
import { findFreePort } from '../db/free-port.ts';
import { httpApiOf, startCommandOf } from '../scenario/http-api.ts';
import type { ScenarioHttp } from '../scenario/http-types.ts';
import type { Scenario } from '../scenario/types.ts';
import { launchApp } from './launch-app.ts';
import { replayArgs } from './replay-args.ts';

/**
 * The HTTP attacks of a run: start (or reach) the app the scenario's `http` section names, on
 * the run's seeded database, describe it to the attacks (`HttpApi` + ground truth), run every
 * HTTP probe, and stop the app whatever happens. The app's output goes to the run folder's
 * app.log (as `app-log` events), never the console.
 */

/** Options of {@link runHttpPhase}. */
export interface HttpPhaseOptions {
  scenario: Scenario;
  adminUrl: string;
  tenancy: Tenancy;
  manifest: SeedManifest;
  runSeed: number;
  onEvent: OnEvent;
  signal?: AbortSignal;
  /** Only this probe, replaying its recorded path (`tenantguard replay`). */
  probe?: string;
  path?: string;
}

/** Cases per HTTP probe: each is several real requests (and a snapshot for writes), so fewer than the SQL probes'. */
export const httpRunsCap = 100;
/** The reference app's pool: small, so bursts reuse connections across tenants. */
const referencePoolSize = 4;

/** The HTTP probes to run: all, or the one a replay names. */
export function selectHttpProbes(probe?: string): readonly HttpProbe<any>[] {
  if (probe === undefined) return httpProbes;
  const found = httpProbes.filter((p) => p.meta.id === probe);
  if (found.length === 0) throw new HarnessError('usage', `no HTTP attack named ${probe}`, { hint: `Known HTTP attacks: ${httpProbes.map((p) => p.meta.id).join(', ')}.` });
  return found;
}

/** The application role and its password, for the app under attack (never the admin). */
export function appRoleOf(tenancy: Tenancy): { name: string; password: string } {
  const login = tenancy.appRole.login;
  if (login.method !== 'password') {
    throw new HarnessError('usage', `the app under attack must log in as the application role ${tenancy.appRole.name}, which has no password in the scenario`, {
      hint: 'Give tenancy.appRole a password (and login: password) so the app can connect as it.',
    });
  }
  return { name: tenancy.appRole.name, password: login.password };
}

/**
 * The JWT secret the harness mints tokens with (undefined for header auth): the user's, from
 * the variable the scenario names; else, for the reference app or a started app, one made for
 * this run (a started app gets it in that variable). An app that runs already must share it.
 */
export function jwtSecretOf(http: ScenarioHttp): string | undefined {
  if (http.auth.kind !== 'jwt') return undefined;
  const secret = process.env[http.auth.secretEnv];
  if (secret === undefined && http.app.kind === 'running') {
    throw new HarnessError('usage', `http.auth.secretEnv names ${http.auth.secretEnv}, which is not set`, { hint: 'Export the secret your app verifies tokens with under that name; tenantguard mints each tenant’s tokens with it.' });
  }
  return secret ?? randomBytes(32).toString('base64url');
}

/** A user's app, started (as `role`) or reached, and how to stop it. */
export interface ScenarioApp {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the app of a scenario's `http.start` logging in as `role` (`DATABASE_URL`), with the
 * JWT secret in the variable the scenario names when the user has not set it; or reaches the
 * one at `http.baseUrl`, which is not ours to stop. Its output goes to app.log.
 */
export async function startScenarioApp(options: { http: ScenarioHttp; adminUrl: string; role: { name: string; password: string }; jwtSecret: string | undefined; onEvent: OnEvent; signal?: AbortSignal }): Promise<ScenarioApp> {
  const { http, onEvent } = options;
  const app = http.app;
  if (app.kind === 'running') return { url: app.baseUrl, stop: async () => {} };
  if (app.kind !== 'start') throw new Error('the reference app is started in-process, not as a command');
  const port = await findFreePort();
  const command = startCommandOf(app, { port, databaseUrl: withCredentials(options.adminUrl, options.role.name, options.role.password) });
  const url = `http://127.0.0.1:${port}`;
  const launched = await launchApp({
    command: [command.program, ...command.args],
    cwd: command.cwd,
    env: { ...command.env, ...(http.auth.kind === 'jwt' && process.env[http.auth.secretEnv] === undefined && options.jwtSecret !== undefined ? { [http.auth.secretEnv]: options.jwtSecret } : {}) },
    readyUrl: `${url}${app.ready}`,
    timeoutMs: app.timeoutSeconds * 1000,
    onLine: (line) => onEvent({ type: 'app-log', line: redactCredentials(line) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  onEvent({ type: 'info', message: `started \`${app.command.join(' ')}\` (pid ${launched.pid}) at ${url}` });
  return { url, stop: () => launched.stop() };
}

/** Runs the HTTP attacks of a scenario; an empty list when it has no `http` section. */
export async function runHttpPhase(options: HttpPhaseOptions): Promise<CheckResult[]> {
  const { scenario, onEvent } = options;
  const api = httpApiOf(scenario);
  const http = scenario.http;
  if (!api || !http) return [];
  const appLog = (line: string) => onEvent({ type: 'app-log', line: redactCredentials(line) });

  const jwtSecret = jwtSecretOf(http);

  let url: string;
  let stop: () => Promise<void> = async () => {};
  let poolSize = 10;
  const app = http.app;
  if (app.kind === 'reference') {
    const login = options.tenancy.appRole.login;
    const started = await startReferenceApp({
      databaseUrl: options.adminUrl,
      appRole: { name: options.tenancy.appRole.name, password: login.method === 'password' ? login.password : '' },
      jwtSecret,
      poolSize: referencePoolSize,
      log: jsonLineLog(appLog),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    url = started.url;
    poolSize = referencePoolSize;
    stop = () => started.close();
    onEvent({ type: 'info', message: `reference app at ${url}` });
  } else {
    const started = await startScenarioApp({ http, adminUrl: options.adminUrl, role: appRoleOf(options.tenancy), jwtSecret, onEvent, ...(options.signal ? { signal: options.signal } : {}) });
    url = started.url;
    stop = started.stop;
  }

  try {
    const target = await buildHttpTarget({ url, api, adminUrl: options.adminUrl, manifest: options.manifest, poolSize, ...(jwtSecret !== undefined ? { jwtSecret } : {}) });
    const file = scenario.file ? relative(process.cwd(), scenario.file) : null;
    return await runHttpAttacks(target, {
      probes: selectHttpProbes(options.probe),
      runSeed: options.runSeed,
      runs: Math.min(scenario.attacks.runs, httpRunsCap),
      timeBudgetMs: scenario.attacks.timeBudgetSeconds * 1000,
      ...(options.path !== undefined ? { path: options.path } : {}),
      replayCommand: (probe, path) => `tenantguard replay ${probe}${file ? ` ${file}` : ''} --seed ${options.runSeed} --path ${path} ${replayArgs(scenario)}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await stop();
  }
}
