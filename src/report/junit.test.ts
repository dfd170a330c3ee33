import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { describe, expect, it } from 'vitest';
import { severities, type Finding } from '../core/check.ts';
import type { Report } from '../core/report.ts';
import { expectGolden, fixtureReport, fixtureReportNames } from '../../test/helpers/golden.ts';
import { renderJunit } from './junit.ts';

// Every document is checked three ways: well-formed (fast-xml-parser's validator), valid against
// the Jenkins xunit plugin's junit-10.xsd (libxml2 via xmllint-wasm; test/fixtures/schemas/),
// and counted: failures, errors and skipped are recomputed here from the report, independently
// of junit.ts, and compared with what the XML says.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const xsd = readFileSync(join(root, 'test', 'fixtures', 'schemas', 'junit-10.xsd'), 'utf8');

type Attrs = Record<string, string>;
type Outcome = Attrs & { '#text'?: string };
type Case = { name: string; classname: string; time: string; failure?: Outcome; error?: Outcome; skipped?: Outcome; 'system-out'?: string };
type Suite = { name: string; tests: string; failures: string; errors: string; skipped: string; testcase: Case[] };
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false, trimValues: false, htmlEntities: true, isArray: (name) => name === 'testsuite' || name === 'testcase' });

function parse(xml: string): { root: Attrs; suites: Suite[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { testsuites: Attrs & { testsuite: Suite[] } };
  return { root: doc.testsuites, suites: doc.testsuites.testsuite };
}

/**
 * libxml2's verdict against junit-10.xsd. That schema predates the `skipped` attribute on
 * `<testsuites>` (which GitLab, Testmo and pytest-style consumers read), so that one attribute
 * is removed from the root first; everything else is validated as written.
 */
async function xsdErrors(xml: string): Promise<string[]> {
  const withoutRootSkipped = xml.replace(/^(<testsuites [^>]*?) skipped="\d+"/m, '$1');
  expect(withoutRootSkipped).not.toBe(xml);
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: withoutRootSkipped }], schema: [{ fileName: 'junit-10.xsd', contents: xsd }] });
  const errors = result.errors.map((e) => e.message);
  expect(result.valid, errors.join('\n')).toBe(errors.length === 0);
  return errors;
}

/** The gating rule restated independently: unsuppressed, at or above fail-on, new against a baseline. */
function expectedCounts(report: Report): { failures: number; errors: number; skipped: number } {
  const gates = (f: Finding) => !f.suppressed && severities.indexOf(f.severity) <= severities.indexOf(report.failOn) && (!report.baseline || f.baseline === 'new');
  const failing = report.results.filter((r) => r.findings.some(gates));
  const inconclusive = report.results.filter((r) => r.verdict === 'inconclusive' && !r.findings.some(gates));
  const broken = !report.complete || report.error ? 1 : 0;
  return { failures: failing.length, errors: inconclusive.length + broken + report.phases.filter((p) => p.status === 'failed').length, skipped: report.phases.filter((p) => p.status === 'not-run').length };
}

function expectConsistentCounts(xml: string, report: Report): { root: Attrs; suites: Suite[] } {
  const doc = parse(xml);
  const cases = doc.suites.flatMap((s) => s.testcase);
  expect({ failures: Number(doc.root.failures), errors: Number(doc.root.errors), skipped: Number(doc.root.skipped) }).toEqual(expectedCounts(report));
  expect(Number(doc.root.tests)).toBe(cases.length);
  for (const suite of doc.suites) {
    expect(Number(suite.tests)).toBe(suite.testcase.length);
    expect(Number(suite.failures)).toBe(suite.testcase.filter((c) => c.failure).length);
    expect(Number(suite.errors)).toBe(suite.testcase.filter((c) => c.error).length);
    expect(Number(suite.skipped)).toBe(suite.testcase.filter((c) => c.skipped).length);
  }
  return doc;
}

const clone = (name: (typeof fixtureReportNames)[number]) => structuredClone(fixtureReport(name));

describe('renderJunit', () => {
  for (const name of fixtureReportNames) {
    it(`renders the ${name} report as its golden file: well-formed, valid against junit-10.xsd, counted right`, async () => {
      const report = fixtureReport(name);
      const xml = renderJunit(report);
      expectConsistentCounts(xml, report);
      expect(await xsdErrors(xml)).toEqual([]);
      expectGolden(`${name}.junit.xml`, xml);
    });
  }

  it('proves the XSD check is live: a testcase without a name is rejected', async () => {
    const xml = renderJunit(fixtureReport('findings')).replace(/<testcase classname="([^"]*)" name="[^"]*"/, '<testcase classname="$1"');
    expect(await xsdErrors(xml)).not.toEqual([]);
  });

  it('has a suite per phase in pipeline order, a testcase per check, and fails the checks that gate', () => {
    const report = fixtureReport('findings');
    const { root, suites } = expectConsistentCounts(renderJunit(report), report);
    expect(root).toMatchObject({ name: 'tenantguard', failures: '16', errors: '0', skipped: '2', time: '2.508' });
    expect(suites.map((s) => s.name)).toEqual(['audit', 'attack', 'http', 'load']);
    const audit = suites[0]!.testcase;
    expect(audit.map((c) => c.name)).toEqual(report.results.filter((r) => r.meta.kind === 'audit').map((r) => `${r.meta.id}: ${r.meta.title}`));
    expect(audit.every((c) => c.classname === 'tenantguard.audit')).toBe(true);
    const rls = audit.find((c) => c.name.startsWith('rls-disabled:'))!;
    expect(rls.failure).toMatchObject({ type: 'critical' });
    expect(rls.failure!['#text']).toContain('location: fixtures/flaws/rls-disabled/broken.sql:2:14');
    const readByKey = suites[1]!.testcase.find((c) => c.name.startsWith('read-by-key:'))!;
    expect(readByKey.failure!['#text']).toContain('replay: tenantguard replay read-by-key');
    expect(readByKey.failure!['#text']).toContain('    -- tenantguard reproduction: read-by-key');
    // Low findings are listed, not failed: fail-on is high.
    const indexed = audit.find((c) => c.name.startsWith('tenant-column-not-indexed:'))!;
    expect(indexed.failure).toBeUndefined();
    expect(indexed['system-out']).toContain('(below --fail-on high)');
    expect(suites[2]!.testcase).toEqual([expect.objectContaining({ name: 'http phase', skipped: expect.objectContaining({ message: 'the scenario describes no HTTP API (http section)' }) })]);
  });

  it('passes a run whose only finding is below fail-on, listing it in system-out', () => {
    const report = fixtureReport('passing');
    const { root, suites } = expectConsistentCounts(renderJunit(report), report);
    expect(root).toMatchObject({ failures: '0', errors: '0', skipped: '0' });
    // The fixture's one finding: info, on unique-without-tenant, with a schema line.
    const unique = suites[0]!.testcase.find((c) => c.name.startsWith('unique-without-tenant:'))!;
    expect(unique.failure).toBeUndefined();
    expect(unique['system-out']).toMatch(/^Findings that do not gate the run:\n\n\[info\] unique constraint invoices_id_key on public\.invoices \(id\) .* \(below --fail-on high\)\n  location: fixtures\/reference\/schema\.sql:164:14\n  fingerprint: 0ac054e0c02add6b\n$/);
    // Every other check passes with nothing to say, the load gate included.
    const cases = suites.flatMap((s) => s.testcase);
    expect(cases.filter((c) => c['system-out'] !== undefined || c.failure || c.error || c.skipped)).toEqual([unique]);
    const load = suites[3]!.testcase;
    expect(load.map((c) => c.name)).toEqual(['noisy-neighbour-heavy-reports: Victims keep their latency while a neighbour runs heavy reports']);
  });

  it('never shows an unfinished run green: a run suite errors with the reason', () => {
    const report = fixtureReport('empty');
    const { root, suites } = expectConsistentCounts(renderJunit(report), report);
    expect(root).toMatchObject({ tests: '5', failures: '0', errors: '1', skipped: '4' });
    expect(suites[0]!.name).toBe('run');
    expect(suites[0]!.testcase[0]!.error).toMatchObject({ type: 'backend-unavailable', message: expect.stringContaining('initdb failed') });
    const interrupted = clone('passing');
    interrupted.complete = false;
    interrupted.incompleteReason = 'interrupted (SIGINT)';
    const doc = expectConsistentCounts(renderJunit(interrupted), interrupted);
    expect(doc.suites[0]!.testcase[0]!.error).toMatchObject({ type: 'incomplete', message: 'the run did not finish: interrupted (SIGINT)' });
  });

  it('makes inconclusive checks and failed phases errors, never passes', () => {
    const report = clone('passing');
    const check = report.results.find((r) => r.meta.id === 'copy-to')!;
    check.verdict = 'inconclusive';
    check.error = 'statement timeout after 30 s';
    report.phases.find((p) => p.phase === 'http')!.status = 'failed';
    report.phases.find((p) => p.phase === 'http')!.reason = 'the app did not start (see app.log)';
    report.verdict = 'inconclusive';
    const { root, suites } = expectConsistentCounts(renderJunit(report), report);
    expect(root).toMatchObject({ errors: '2', failures: '0' });
    expect(suites[1]!.testcase.find((c) => c.name.startsWith('copy-to:'))!.error).toMatchObject({ type: 'inconclusive', message: 'inconclusive: statement timeout after 30 s' });
    expect(suites[2]!.testcase.at(-1)!.error).toMatchObject({ type: 'phase-failed' });
  });

  it('gates only unsuppressed findings at or above fail-on that are new against the baseline', () => {
    const report = clone('findings');
    const rls = report.results.find((r) => r.meta.id === 'rls-disabled')!;
    rls.findings[0]!.suppressed = { reason: 'dropped next release' };
    report.baseline = { file: 'reports/baseline.json', createdAt: '2026-11-01T00:00:00.000Z', counts: { new: 1, existing: 1, fixed: 0 }, fixed: [] };
    for (const f of report.results.flatMap((r) => r.findings)) f.baseline = 'existing';
    report.results.find((r) => r.meta.id === 'read-by-key')!.findings[0]!.baseline = 'new';
    const { root, suites } = expectConsistentCounts(renderJunit(report), report);
    expect(root).toMatchObject({ failures: '1' });
    expect(suites[1]!.testcase.find((c) => c.name.startsWith('read-by-key:'))!.failure).toBeDefined();
    expect(suites[0]!.testcase.find((c) => c.name.startsWith('rls-disabled:'))!['system-out']).toContain('(suppressed: dropped next release)');
    expect(suites[1]!.testcase.find((c) => c.name.startsWith('copy-to:'))!['system-out']).toContain('(in the baseline)');
  });

  it('fails a run whose verdict is fail even when no check accounts for it', () => {
    const report = clone('passing');
    report.verdict = 'fail';
    report.verdictReason = 'load gate breached: too few samples';
    const { root, suites } = parse(renderJunit(report));
    expect(root.failures).toBe('1');
    expect(suites[0]!.testcase[0]!.failure).toMatchObject({ type: 'verdict', message: 'verdict fail: load gate breached: too few samples' });
  });

  it('stays well-formed and valid with hostile text, keeping what XML can carry', async () => {
    const report = clone('findings');
    const check = report.results.find((r) => r.meta.id === 'read-by-key')!;
    const hostile = 'leak ]]> <x a="1"> & &amp; \'q\' \u0000\u0007\u001b[31m \ud800 \uffff end\r\nnext';
    check.meta = { ...check.meta, title: hostile };
    check.findings[0]!.message = hostile;
    check.findings[0]!.reproduction = `SELECT '${hostile}';`;
    report.scenario.name = 'a"b<c>&';
    const xml = renderJunit(report);
    const { suites } = expectConsistentCounts(xml, report);
    expect(await xsdErrors(xml)).toEqual([]);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
    const testcase = suites[1]!.testcase.find((c) => c.name.startsWith('read-by-key:'))!;
    expect(testcase.name).toBe('read-by-key: leak ]]> <x a="1"> & &amp; \'q\' [31m   end\nnext');
    expect(testcase.failure!.message).toContain('leak ]]> <x a="1"> & &amp;');
    expect(testcase.failure!['#text']).toContain("SELECT 'leak ]]> <x a=\"1\"> & &amp; 'q'");
  });

  it('is deterministic and leaves the report unchanged', () => {
    const report = clone('findings');
    const before = JSON.stringify(report);
    expect(renderJunit(report)).toBe(renderJunit(structuredClone(report)));
    expect(JSON.stringify(report)).toBe(before);
  });
});
