import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../core/check.ts';
import { buildReport, type ReportInput } from './build-report.ts';

const base: ReportInput = {
  tool: { name: 'tenantguard', version: '0.0.0' },
  scenario: { name: 't', file: null },
  seed: 1,
  startedAt: new Date(0),
  finishedAt: new Date(1000),
  complete: true,
  target: null,
  tenancy: null,
  manifest: null,
  timings: {},
  phases: [{ phase: 'audit', status: 'ran' }],
  results: [],
  failOn: 'high',
};

function result(verdict: CheckResult['verdict'], severities: CheckResult['findings'][number]['severity'][]): CheckResult {
  return {
    meta: { id: 'x', kind: 'audit', title: 'x', description: 'x', severity: 'high', remediation: 'x' },
    verdict,
    durationMs: 1,
    findings: severities.map((severity, i) => ({ checkId: 'x', severity, message: 'm', subject: {}, fingerprint: `f${i}` })),
  };
}

describe('report verdict (never a silent green)', () => {
  it('is inconclusive when no phase ran, naming why each did not', () => {
    const report = buildReport({ ...base, phases: [{ phase: 'audit', status: 'not-run', reason: 'not available in this version' }] });
    expect(report.verdict).toBe('inconclusive');
    expect(report.verdictReason).toContain('audit (not available in this version)');
  });

  it('is inconclusive when the run did not finish, and says the report is incomplete', () => {
    const report = buildReport({ ...base, complete: false, incompleteReason: 'interrupted', results: [result('pass', [])] });
    expect(report.verdict).toBe('inconclusive');
    expect(report.complete).toBe(false);
    expect(report.verdictReason).toContain('interrupted');
  });

  it('fails on a finding at or above the threshold, passes below it', () => {
    expect(buildReport({ ...base, results: [result('fail', ['high'])] }).verdict).toBe('fail');
    expect(buildReport({ ...base, results: [result('fail', ['medium'])] }).verdict).toBe('pass');
    expect(buildReport({ ...base, failOn: 'medium', results: [result('fail', ['medium'])] }).verdict).toBe('fail');
  });

  it('is inconclusive when a check could not decide', () => {
    expect(buildReport({ ...base, results: [result('inconclusive', [])] }).verdict).toBe('inconclusive');
  });

  it('counts findings by severity and checks by verdict', () => {
    const report = buildReport({ ...base, results: [result('fail', ['high', 'low', 'low']), result('pass', [])] });
    expect(report.counts.findings).toMatchObject({ high: 1, low: 2, critical: 0 });
    expect(report.counts.checks).toEqual({ pass: 1, fail: 1, inconclusive: 0 });
  });
});
