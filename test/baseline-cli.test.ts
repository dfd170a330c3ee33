import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tenantguard-baseline-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--baseline through the CLI', () => {
  it('fails a leaky run, accepts its findings as a baseline, then passes the same run against it', async () => {
    const args = ['run', 'fixtures/reports/leaky.scenario.json', '--runs', '100', '--seed', '7'];
    const first = await runCli([...args, '--out', join(work, 'first')]);
    expect(first.code).toBe(1);
    const written = await runCli(['baseline', join(work, 'first', 'report.json'), '--out', join(work, 'baseline.json')]);
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/baseline .*baseline\.json: \d+ finding\(s\) accepted .* for scenario leaky/);
    const second = await runCli([...args, '--baseline', join(work, 'baseline.json'), '--format', 'json,markdown,junit', '--out', join(work, 'second')]);
    expect(second.code).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'second', 'report.json'), 'utf8'));
    expect(report.baseline.counts.new).toBe(0);
    expect(report.baseline.counts.existing).toBeGreaterThan(10);
    expect(report.verdictReason).toMatch(/^no new finding at or above high/);
    expect(readFileSync(join(work, 'second', 'report.md'), 'utf8')).toMatch(/existing/i);
    // The same findings without the baseline still fail: the baseline is what passed the run.
    expect(JSON.parse(readFileSync(join(work, 'first', 'report.json'), 'utf8')).verdict).toBe('fail');
  }, 240_000);

  it('refuses a baseline of another scenario, or a file that is not one, before starting anything', async () => {
    const other = join(work, 'other.json');
    writeFileSync(other, JSON.stringify({ kind: 'tenantguard-baseline', baselineVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', tool: { name: 'tenantguard', version: '0' }, scenario: { name: 'shop' }, findings: [] }));
    const refused = await runCli(['run', 'fixtures/reports/leaky.scenario.json', '--baseline', other, '--out', join(work, 'refused')]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`baseline ${other} was written for scenario "shop", not "leaky"`);
    expect(refused.stderr).not.toContain('▸ start');
    const garbage = join(work, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    const bad = await runCli(['run', 'fixtures/reports/leaky.scenario.json', '--baseline', garbage]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/baseline .*garbage\.json is not JSON/);
  }, 60_000);
});
