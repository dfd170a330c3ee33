import { describe, expect, it } from 'vitest';
import { fixtureReport } from '../../test/helpers/golden.ts';
import type { Report } from '../core/report.ts';
import { applyBaseline, baselineFromReport, parseBaseline, renderBaseline } from './baseline.ts';

const now = new Date('2026-11-22T12:00:00.000Z');
const findings = () => fixtureReport('findings');
const all = (report: Report) => report.results.flatMap((r) => r.findings);
/** The report without the findings of `checkId` (as if fixed). */
const without = (report: Report, checkId: string): Report => ({ ...report, results: report.results.map((r) => (r.meta.id === checkId ? { ...r, verdict: 'pass', findings: [] } : r)) });

describe('baselines', () => {
  it('round-trips: a report compared with its own baseline has nothing new and passes', () => {
    const baseline = parseBaseline(renderBaseline(baselineFromReport(findings(), now)), 'reports/baseline.json');
    expect(baseline.findings).toHaveLength(new Set(all(findings()).map((f) => f.fingerprint)).size);
    const compared = applyBaseline(findings(), baseline, 'reports/baseline.json');
    expect(compared.baseline).toEqual({ file: 'reports/baseline.json', createdAt: now.toISOString(), counts: { new: 0, existing: 30, fixed: 0 }, fixed: [] });
    expect(all(compared).every((f) => f.baseline === 'existing')).toBe(true);
    expect(compared.verdict).toBe('pass');
    expect(compared.verdictReason).toBe('no new finding at or above high (22 at or above high accepted in the baseline)');
    // The original report is not touched.
    expect(all(findings()).some((f) => f.baseline !== undefined)).toBe(false);
  });

  it('fails on a finding the baseline does not have, and only on that one', () => {
    const baseline = baselineFromReport(without(findings(), 'rls-disabled'), now);
    const compared = applyBaseline(findings(), baseline, 'b.json');
    const fresh = all(compared).filter((f) => f.baseline === 'new');
    expect(fresh.map((f) => f.checkId)).toEqual(['rls-disabled']);
    expect(compared.baseline!.counts).toEqual({ new: 1, existing: 29, fixed: 0 });
    expect(compared.verdict).toBe('fail');
    expect(compared.verdictReason).toBe('1 new finding(s) at or above high (21 at or above high accepted in the baseline)');
  });

  it('does not fail on a new finding below the threshold', () => {
    const compared = applyBaseline(findings(), baselineFromReport(without(findings(), 'existence-oracle'), now), 'b.json');
    expect(all(compared).filter((f) => f.baseline === 'new').map((f) => `${f.checkId} ${f.severity}`)).toEqual(['existence-oracle low']);
    expect(compared.verdict).toBe('pass');
  });

  it('reports baseline findings this run no longer has as fixed, when their check decided', () => {
    const fixedRun = without(findings(), 'write-move-row');
    const compared = applyBaseline(fixedRun, baselineFromReport(findings(), now), 'b.json');
    expect(compared.baseline!.counts).toEqual({ new: 0, existing: 28, fixed: 2 });
    expect(compared.baseline!.fixed.map((f) => f.checkId)).toEqual(['write-move-row', 'write-move-row']);
    // The same check inconclusive proves nothing: not fixed, and the run is not green.
    const undecided: Report = { ...fixedRun, results: fixedRun.results.map((r) => (r.meta.id === 'write-move-row' ? { ...r, verdict: 'inconclusive', error: 'connection lost' } : r)) };
    const unsure = applyBaseline(undecided, baselineFromReport(findings(), now), 'b.json');
    expect(unsure.baseline!.counts.fixed).toBe(0);
    expect(unsure.verdict).toBe('inconclusive');
  });

  it('keeps an unfinished run inconclusive whatever the baseline says', () => {
    const broken = fixtureReport('empty');
    const compared = applyBaseline(broken, { ...baselineFromReport(findings(), now), scenario: { name: broken.scenario.name } }, 'b.json');
    expect(compared.verdict).toBe('inconclusive');
    expect(compared.verdictReason).toBe(broken.verdictReason);
  });

  it('refuses an incomplete report as a baseline, another scenario’s baseline, and files that are not baselines', () => {
    expect(() => baselineFromReport(fixtureReport('empty'), now)).toThrow(/incomplete .* a baseline must come from a complete run/);
    const other = { ...baselineFromReport(findings(), now), scenario: { name: 'shop' } };
    expect(() => applyBaseline(findings(), other, 'b.json')).toThrow('baseline b.json was written for scenario "shop", not "leaky"');
    expect(() => parseBaseline('{ nope', 'b.json')).toThrow(/^baseline b.json is not JSON/);
    expect(() => parseBaseline('[]', 'b.json')).toThrow('b.json is neither a tenantguard baseline nor a report');
    try {
      parseBaseline(JSON.stringify({ kind: 'tenantguard-baseline', baselineVersion: 9, createdAt: 1, scenario: {}, findings: [{ fingerprint: 'x' }] }), 'b.json');
      expect.unreachable();
    } catch (error) {
      expect((error as { problems: string[] }).problems).toEqual([
        'baselineVersion: expected 1, got 9',
        'createdAt: expected an ISO date string',
        'scenario.name: expected a string',
        'findings[0]: expected { fingerprint, checkId, severity, message }',
      ]);
    }
  });

  it('accepts a whole report as the baseline', () => {
    const compared = applyBaseline(findings(), parseBaseline(JSON.stringify(findings()), 'reports/last/report.json'), 'reports/last/report.json');
    expect(compared.baseline!.counts).toEqual({ new: 0, existing: 30, fixed: 0 });
  });
});
