import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, startCli } from './helpers/cli.ts';
import { childrenRunning } from './helpers/processes.ts';

// The noisy-neighbour experiment end to end at a small scale: real embedded Postgres, the real
// reference app, real autocannon drivers. Latency verdicts depend on the machine, so this test
// checks what was measured and how it was judged, never a timing (those are bench/'s).

const work = mkdtempSync(join(tmpdir(), 'tenantguard-load-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Load drivers of a CLI process, or orphaned ones (re-parented to init). */
const drivers = (cli = -1) => childrenRunning('load-child.mjs', cli);

describe('tenantguard load', () => {
  it('measures victims alone and under an aggressor, fairness off and on, and judges only fairness on', async () => {
    const out = join(work, 'small');
    const result = await runCli(['load', '--tenants', '3', '--rows', '30', '--seed', '3', '--repeats', '1', '--step-seconds', '2', '--aggressor', '10', '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.phases.map((p: { phase: string; status: string }) => `${p.phase} ${p.status}`)).toEqual(['audit not-run', 'attack not-run', 'http not-run', 'load ran']);
    const load = report.load;
    expect(load.profile).toMatchObject({ name: 'short', repeats: 1, stepSeconds: 2, aggressorSteps: [10], patterns: ['heavy-reports'] });
    expect(load.budgets).toMatchObject({ victimP99Ratio: 2, victimErrorRate: 0.01 });
    // Who played which part, and the limits used, so the run can be repeated.
    expect(load.setup.victims).toHaveLength(2);
    expect(load.setup.aggressor.plan).toBeTruthy();
    expect(load.setup.fairness).toMatchObject({ heavyConcurrency: expect.any(Number), heavyDutyCycle: 0.25, rejectionDelayMs: 1000, rejectionJitter: 0.5 });
    // A baseline and a contention step, each with fairness off and on.
    expect(load.runs.map((r: { pattern: string | null; fairness: boolean }) => `${r.pattern ?? 'baseline'} ${r.fairness}`).sort()).toEqual(['baseline false', 'baseline true', 'heavy-reports false', 'heavy-reports true']);
    for (const run of load.runs) {
      for (const victim of run.victims) {
        expect(victim.sent).toBeGreaterThan(0);
        expect(victim.latencyUs.p50).toBeGreaterThan(0);
        expect(victim.latencyUs.p99).toBeGreaterThanOrEqual(victim.latencyUs.p50);
        // The report keeps a histogram for charts, not the raw latencies.
        expect(victim.latenciesUs).toBeUndefined();
        expect(victim.histogram.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(victim.latencyUs.count);
      }
      if (run.pattern) {
        expect(run.aggressor.sent).toBeGreaterThan(0);
        // Sampled (a poll every 50 ms); on a tiny seed the statements may all be too short to catch.
        expect(run.dbTime.samples).toBeGreaterThan(0);
      }
    }
    const steps = load.steps as { fairness: boolean; verdict: string; ratio: number; samples: { contended: number; alone: number }; jain: { median: number }; reasons: string[] }[];
    expect(steps.map((s) => s.fairness).sort()).toEqual([false, true]);
    // Fairness off is measured, never failed.
    expect(steps.find((s) => !s.fairness)!.verdict).not.toBe('fail');
    for (const s of steps) {
      expect(s.ratio).toBeGreaterThan(0);
      // Pooled over every victim of every repeat, from raw latencies the report itself leaves out.
      expect(s.samples.contended).toBeGreaterThan(0);
      expect(s.jain.median).toBeGreaterThan(0);
      expect(s.jain.median).toBeLessThanOrEqual(1);
    }
    expect(load.rlsOverhead.throughputRatio).toBeGreaterThan(0);
    // One check, decided by the fairness-on step; the exit code follows the verdict.
    const check = report.results.find((r: { meta: { id: string } }) => r.meta.id === 'noisy-neighbour-heavy-reports');
    expect(check.meta.kind).toBe('load');
    expect(check.verdict).toBe(steps.find((s) => s.fairness)!.verdict);
    expect(result.code).toBe({ pass: 0, fail: 1, inconclusive: 2 }[report.verdict as 'pass']);
    if (check.verdict === 'fail') expect(check.findings[0].message).toMatch(/the victims' p99 rose [\d.]+× their baseline \(budget 2×/);
    expect(result.stdout).toMatch(/heavy-reports ×10: victims' p99 [\d.]+× without fairness, [\d.]+× with \(budget 2×/);
    expect(result.stdout).toMatch(/RLS overhead: [\d.]+× the throughput of explicit filters alone/);
    expect(drivers()).toEqual([]);
  }, 180_000);

  it('loads a user’s own API as configured (no fairness switch), and says why a scenario without an HTTP app cannot be loaded', async () => {
    const out = join(work, 'user-api');
    const result = await runCli(['load', 'fixtures/user-api/scenario.yaml', '--seed', '3', '--repeats', '1', '--step-seconds', '2', '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.phases.find((p: { phase: string }) => p.phase === 'load')).toEqual({ phase: 'load', status: 'ran' });
    expect(report.load.setup).toMatchObject({ subject: 'api', fairness: null });
    // Measured once per repeat, as configured, and gated: no fairness-off runs.
    expect(report.load.runs.map((r: { pattern: string | null; fairness: boolean }) => `${r.pattern ?? 'baseline'} ${r.fairness}`).sort()).toEqual(['baseline true', 'heavy-reports true']);
    // The heavy read is the description's `reads`; the victims read by id through its get route.
    expect(report.load.runs[1].aggressor.sent).toBeGreaterThan(0);
    expect(report.load.rlsOverhead.bypassingPolicies.completed).toBeGreaterThan(0);
    const check = report.results.find((r: { meta: { id: string } }) => r.meta.id === 'noisy-neighbour-heavy-reports');
    expect(result.code).toBe({ pass: 0, fail: 1, inconclusive: 2 }[report.verdict as 'pass']);
    if (check.verdict === 'fail') expect(check.findings[0].message).toMatch(/^With the app as configured, while tenant #\d ran heavy-reports/);
    expect(result.stdout).toMatch(/heavy-reports ×50: victims' p99 [\d.]+× with the app as configured \(budget 2×/);
    expect(readFileSync(join(out, 'app.log'), 'utf8')).toMatch(/user-api listening/);

    const file = join(work, 'no-http.json');
    writeFileSync(file, JSON.stringify({ schema: join(repoRoot, 'fixtures/reference/schema.sql'), seed: { tenants: 2, rowsPerTable: 2 } }));
    const noApp = join(work, 'no-http');
    const none = await runCli(['load', file, '--out', noApp]);
    expect(none.code).toBe(2);
    const phases = JSON.parse(readFileSync(join(noApp, 'report.json'), 'utf8')).phases;
    expect(phases.find((p: { phase: string }) => p.phase === 'load')).toMatchObject({ status: 'not-run', reason: expect.stringMatching(/needs an http section/) });
  }, 180_000);

  it('on SIGINT during the experiment stops the drivers and the app, and writes a partial report', async () => {
    const out = join(work, 'interrupted');
    const cli = startCli(['load', '--tenants', '3', '--rows', '10', '--seed', '3', '--repeats', '3', '--step-seconds', '5', '--out', out]);
    await cli.waitForStderr(/load: heavy-reports ×50/, 120_000);
    // The drivers start right after the progress line.
    const pid = cli.child.pid!;
    for (let i = 0; i < 50 && drivers(pid).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drivers(pid).length).toBeGreaterThan(0);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(2);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: false, error: { code: 'interrupted' } });
    expect(drivers(pid)).toEqual([]);
  }, 180_000);
});
