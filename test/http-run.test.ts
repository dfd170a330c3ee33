import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { SeedManifest } from '../src/core/manifest.ts';
import type { Tenancy } from '../src/core/tenancy.ts';
import { runHttpPhase } from '../src/pipeline/http-phase.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { processesMentioning } from './helpers/processes.ts';
import { repoRoot, runCli, startCli } from './helpers/cli.ts';

// The http phase of `tenantguard run` / `attack`, end to end through the CLI: the user's own
// API (fixtures/user-api, not the reference app) started from the scenario as the app role,
// attacked over HTTP, and stopped — clean, with a switched-in flaw, replayed, and broken.

const work = mkdtempSync(join(tmpdir(), 'tenantguard-http-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The user-API scenario with a marker in its start command (to find its process) and overrides. */
function userApiScenario(name: string, change: (scenario: Record<string, any>) => void = () => {}): { file: string; marker: string } {
  const fixture = join(repoRoot, 'fixtures/user-api');
  const scenario = parse(readFileSync(join(fixture, 'scenario.yaml'), 'utf8')) as Record<string, any>;
  const marker = `tg-marker-${name}`;
  scenario.schema = [join(fixture, 'schema.sql')];
  scenario.http.start.command = ['node', join(fixture, 'server.mjs'), marker];
  scenario.http.start.cwd = fixture;
  change(scenario);
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, stringify(scenario));
  return { file, marker };
}


describe('an app that runs already (baseUrl)', () => {
  it('needs the JWT secret in the variable the scenario names, and says which', async () => {
    const { file } = userApiScenario('running-jwt', (s) => {
      delete s.http.start;
      s.http.baseUrl = 'http://127.0.0.1:9';
      s.http.auth = { kind: 'jwt', secretEnv: 'TG_TEST_UNSET_SECRET' };
    });
    const scenario = await loadScenario(file);
    const error = await runHttpPhase({ scenario, adminUrl: 'postgres://nobody@127.0.0.1:9/none', tenancy: {} as Tenancy, manifest: {} as SeedManifest, runSeed: 1, onEvent: () => {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'usage', message: 'http.auth.secretEnv names TG_TEST_UNSET_SECRET, which is not set' });
  });
});

const report = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, any>;
const budget = ['--seed', '5', '--runs', '30', '--time-budget', '20'];

describe('the http phase against a user’s own API', () => {
  it('passes the secure app, with the app started as the app role and stopped after', async () => {
    const { file, marker } = userApiScenario('clean');
    const out = join(work, 'clean');
    const result = await runCli(['attack', file, ...budget, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/http {5}ran, 0 finding\(s\), [\d,]+ generated cases/);
    const r = report(out);
    expect(r.phases).toContainEqual({ phase: 'http', status: 'ran' });
    const http = r.results.filter((x: any) => x.meta.kind === 'http');
    expect(http.map((x: any) => x.meta.id).sort()).toEqual(['http-concurrent-model', 'http-context-failure', 'http-idor', 'http-pool-reuse', 'http-tenant-override', 'http-token-tampering']);
    // Header auth: nothing to tamper with; the others generated cases and passed.
    expect(http.filter((x: any) => x.verdict === 'pass' && x.stats.runs > 0).map((x: any) => x.meta.id).sort()).toEqual(['http-concurrent-model', 'http-idor', 'http-pool-reuse', 'http-tenant-override']);
    // The app's own log is in the run folder, and it connected as the app role (never the admin).
    expect(readFileSync(join(out, 'app.log'), 'utf8')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(processesMentioning(marker)).toEqual([]);
  }, 120_000);

  it('finds a switched-in flaw with a credential-free curl reproduction, and the replay repeats it until it is fixed', async () => {
    const { file } = userApiScenario('flawed');
    const out = join(work, 'flawed');
    const result = await runCli(['attack', file, ...budget, '--out', out], { USER_API_FLAW: 'trust-header' });
    expect(result.code).toBe(1);
    const findings = report(out).results.flatMap((x: any) => x.findings) as Record<string, any>[];
    const override = findings.find((f) => f.checkId === 'http-tenant-override')!;
    expect(override.message).toMatch(/answered 200 to tenant #\d with \d+ canar(y|ies) of tenant #\d/);
    expect(override.reproduction).toMatch(/curl -s -X \S+ -H "x-api-key: \$TG_CREDENTIAL_1" -H 'X-Workspace-Id: [0-9a-f-]{36}'/);
    // No tenant's API key is in the report: keys are read from the database, never printed.
    expect(readFileSync(join(out, 'report.json'), 'utf8')).not.toMatch(/"x-api-key: [A-Z]+-tg/);
    const replay = (override.replay.command as string).split(' ');
    expect(replay.slice(0, 3)).toEqual(['tenantguard', 'replay', 'http-tenant-override']);
    const again = await runCli([...replay.slice(1), '-q'], { USER_API_FLAW: 'trust-header' });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('[critical] http-tenant-override');
    const fixed = await runCli([...replay.slice(1), '-q']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/no longer leaks/);
  }, 180_000);

  it('an app that does not start ends the run with its last output, exit 3, and leaves nothing running', async () => {
    const { file } = userApiScenario('broken', (s) => {
      s.http.start.command = ['node', '-e', 'console.error("cannot open config.toml"); process.exit(3)'];
    });
    const result = await runCli(['attack', file, ...budget, '--out', join(work, 'broken')]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/the app `node -e .*` exited \(code 3\) before it answered http:\/\/127\.0\.0\.1:\d+\/healthz/);
    expect(result.stdout).toContain('cannot open config.toml');
    const r = report(join(work, 'broken'));
    expect(r).toMatchObject({ complete: false, verdict: 'inconclusive', error: { code: 'usage' } });
    expect(r.phases).toContainEqual(expect.objectContaining({ phase: 'http', status: 'failed' }));
    expect(readFileSync(join(work, 'broken', 'app.log'), 'utf8')).toContain('cannot open config.toml');
  }, 120_000);

  it('on SIGINT during the http phase stops the app and writes a partial report', async () => {
    const { file, marker } = userApiScenario('interrupted');
    const out = join(work, 'interrupted');
    const cli = startCli(['attack', file, '--seed', '5', '--runs', '100000', '--time-budget', '5', '--out', out]);
    await cli.waitForStderr(/started `node .*server\.mjs/, 120_000);
    expect(processesMentioning(marker).length).toBeGreaterThan(0);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(2);
    expect(report(out)).toMatchObject({ complete: false, error: { code: 'interrupted' } });
    expect(processesMentioning(marker)).toEqual([]);
  }, 180_000);
});
