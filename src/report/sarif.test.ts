import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/check.ts';
import type { Report } from '../core/report.ts';
import { expectGolden, fixtureReport, fixtureReportNames } from '../../test/helpers/golden.ts';
import { artifactLocation, fingerprintKey, renderSarif, sarifSchemaUri } from './sarif.ts';

// The official SARIF 2.1.0 schema (errata 01, as SchemaStore publishes it in draft-07 form;
// test/fixtures/schemas/README.md says where it came from). Every log these tests render is
// validated against it, and one test breaks a log on purpose to prove the validator bites.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')) as AnySchemaObject;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

// The shape the assertions read; the schema, not this type, is the judge of validity.
type Location = { physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine?: number; startColumn?: number } }; logicalLocations?: { name: string; fullyQualifiedName: string; kind: string }[] };
type Result = { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations?: Location[]; partialFingerprints: Record<string, string>; suppressions?: { kind: string; justification: string }[]; baselineState?: string };
type Rule = { id: string; name: string; helpUri?: string; help: { text: string; markdown: string }; defaultConfiguration: { level: string }; properties: { tags: string[]; 'security-severity'?: string } };
type Notification = { level: string; message: { text: string }; associatedRule?: { id: string; index: number } };
type Log = { $schema: string; version: string; runs: { tool: { driver: { name: string; version: string; rules: Rule[] } }; invocations: { executionSuccessful: boolean; toolExecutionNotifications: Notification[]; properties: Record<string, unknown> }[]; results: Result[] }[] };

function schemaErrors(log: unknown): ErrorObject[] {
  return validate(log) ? [] : (validate.errors ?? []);
}

/** Renders, checks the text is the pretty JSON it claims to be, and validates it against the schema. */
function render(report: Report): Log {
  const text = renderSarif(report);
  expect(text.endsWith('}\n')).toBe(true);
  const log = JSON.parse(text) as Log;
  expect(schemaErrors(log)).toEqual([]);
  return log;
}

const allFindings = (report: Report): Finding[] => report.results.flatMap((r) => r.findings);

/** The findings fixture with a suppressed finding, a baseline, and an inconclusive check. */
function variant(): Report {
  const report = structuredClone(fixtureReport('findings'));
  report.baseline = { file: 'reports/baseline.json', createdAt: '2026-11-01T00:00:00.000Z', counts: { new: 0, existing: 0, fixed: 1 }, fixed: [{ fingerprint: 'ffffffffffffffff', checkId: 'rls-not-forced', severity: 'critical', message: 'gone' }] };
  allFindings(report).forEach((f, i) => (f.baseline = i % 2 === 0 ? 'new' : 'existing'));
  allFindings(report)[0]!.suppressed = { reason: 'legacy table, dropped in Q3', expires: '2027-01-01' };
  const check = report.results.find((r) => r.meta.id === 'read-through-function')!;
  check.verdict = 'inconclusive';
  check.error = 'function public.report_for(uuid) raised: permission denied';
  return report;
}

describe('renderSarif', () => {
  for (const name of fixtureReportNames) {
    it(`renders the ${name} report as its golden file, valid against the SARIF 2.1.0 schema`, () => {
      const report = fixtureReport(name);
      render(report);
      expectGolden(`${name}.sarif`, renderSarif(report));
    });
  }

  it('proves the validator is live: a result without a message, or a bad level, is rejected', () => {
    const log = JSON.parse(renderSarif(fixtureReport('findings'))) as Log;
    expect(schemaErrors(log)).toEqual([]);
    const noMessage = structuredClone(log) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    delete noMessage.runs[0]!.results[0]!['message'];
    expect(schemaErrors(noMessage).map((e) => e.message)).toContain("must have required property 'message'");
    const badLevel = structuredClone(log);
    badLevel.runs[0]!.results[0]!.level = 'critical';
    expect(schemaErrors(badLevel).some((e) => e.instancePath === '/runs/0/results/0/level')).toBe(true);
    const badLine = structuredClone(log);
    badLine.runs[0]!.results[0]!.locations![0]!.physicalLocation!.region!.startLine = 0;
    expect(schemaErrors(badLine).length).toBeGreaterThan(0);
  });

  it('names the tool, the schema and the version, with one rule per check that ran', () => {
    const report = fixtureReport('findings');
    const log = render(report);
    expect(log.$schema).toBe(sarifSchemaUri);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0]!.tool.driver;
    expect(driver).toMatchObject({ name: 'tenantguard', version: report.tool.version });
    expect(driver.rules.map((r) => r.id)).toEqual(report.results.map((r) => r.meta.id));
    expect(driver.rules.find((r) => r.id === 'rls-disabled')).toMatchObject({ name: 'RlsDisabled', defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'tenant-isolation', 'audit'], 'security-severity': '9.5' } });
    expect(driver.rules.find((r) => r.id === 'foreign-key-without-tenant')).toMatchObject({ defaultConfiguration: { level: 'warning' }, properties: { 'security-severity': '5.5' } });
    const info = driver.rules.find((r) => r.id === 'missing-policy-for-command')!;
    expect(info.defaultConfiguration.level).toBe('note');
    expect(info.properties['security-severity']).toBeUndefined();
  });

  it('points every rule at a documentation page that exists', () => {
    for (const name of ['passing', 'findings'] as const) {
      for (const rule of render(fixtureReport(name)).runs[0]!.tool.driver.rules) {
        const doc = /Documentation: (\S+) in the tenantguard package\./.exec(rule.help.text)![1]!;
        const [file, anchor] = doc.split('#');
        expect(existsSync(join(root, file!)), `${rule.id}: ${file}`).toBe(true);
        if (anchor) {
          const headings = readFileSync(join(root, file!), 'utf8').match(/^#+ .+$/gm) ?? [];
          const slugs = headings.map((h) => h.replace(/^#+ /, '').toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
          expect(slugs, `${rule.id}: #${anchor}`).toContain(anchor);
        }
        expect(rule.helpUri).toBeUndefined();
      }
    }
  });

  it('makes a finding with a location a physical location at that file, line and column', () => {
    const report = fixtureReport('findings');
    const finding = allFindings(report).find((f) => f.location?.column !== undefined)!;
    const result = render(report).runs[0]!.results.find((r) => r.partialFingerprints[fingerprintKey] === finding.fingerprint)!;
    expect(result.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: finding.location!.file, uriBaseId: '%SRCROOT%' },
      region: { startLine: finding.location!.line, startColumn: finding.location!.column },
    });
    expect(result.locations![0]!.logicalLocations![0]).toMatchObject({ fullyQualifiedName: `${finding.subject.schema}.${finding.subject.table}` });
  });

  it('gives every result a physical location, as GitHub requires; without a schema line, the scenario file', () => {
    const report = fixtureReport('findings');
    const log = render(report);
    expect(log.runs[0]!.results.length).toBe(allFindings(report).length);
    for (const result of log.runs[0]!.results) expect(result.locations![0]!.physicalLocation!.artifactLocation.uri).not.toBe('');
    const attack = log.runs[0]!.results.find((r) => r.ruleId === 'read-by-key')!;
    // The fixture's scenario path is relative (fixtures/reports/leaky.scenario.json): it must resolve
    // against %SRCROOT%, as GitHub maps it onto the repository, not become a file:// URI.
    expect(report.scenario.file).toBe('fixtures/reports/leaky.scenario.json');
    expect(attack.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'fixtures/reports/leaky.scenario.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } });
    expect(attack.locations![0]!.logicalLocations).toEqual([{ name: 'notes', fullyQualifiedName: 'public.notes', kind: 'table' }]);
    expect(attack.message.text).toContain('Reproduction:\n-- tenantguard reproduction: read-by-key');
    expect(attack.message.text).toContain('Replay: tenantguard replay read-by-key');
  });

  it('falls back to logical locations alone when there is no file at all', () => {
    const report = structuredClone(fixtureReport('findings'));
    report.scenario.file = null;
    const results = render(report).runs[0]!.results;
    const readByKey = results.find((r) => r.ruleId === 'read-by-key')!;
    expect(readByKey.locations).toEqual([{ logicalLocations: [{ name: 'notes', fullyQualifiedName: 'public.notes', kind: 'table' }] }]);
    // Findings with a schema line keep their physical location.
    const located = allFindings(report).filter((f) => f.location);
    expect(located.length).toBeGreaterThan(0);
    for (const f of located) expect(results.find((r) => r.partialFingerprints[fingerprintKey] === f.fingerprint)!.locations![0]!.physicalLocation!.artifactLocation.uri).toBe(f.location!.file);
    // A load finding has no schema line either: its logical location is the step. (The passing
    // fixture's load gate held, so the finding a breached gate reports is added here.)
    const passing = structuredClone(fixtureReport('passing'));
    passing.scenario.file = null;
    const gate = passing.results.find((r) => r.meta.kind === 'load')!;
    gate.findings.push({ checkId: gate.meta.id, severity: 'medium', message: 'victims slowed past the budget', subject: { load: 'heavy-reports ×50' }, fingerprint: 'aaaaaaaaaaaaaaaa' });
    const load = render(passing).runs[0]!.results.find((r) => r.ruleId === gate.meta.id)!;
    expect(load.locations).toEqual([{ logicalLocations: [{ name: 'heavy-reports ×50', fullyQualifiedName: 'heavy-reports ×50', kind: 'load-step' }] }]);
  });

  it('carries every fingerprint in partialFingerprints and points every ruleIndex at its rule', () => {
    const report = fixtureReport('findings');
    const run = render(report).runs[0]!;
    expect(run.results.map((r) => r.partialFingerprints)).toEqual(allFindings(report).map((f) => ({ [fingerprintKey]: f.fingerprint })));
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    expect(run.results.find((r) => r.ruleId === 'existence-oracle')!.level).toBe('note'); // the finding's own severity (low), not the rule's (medium)
  });

  it('marks suppressions and baseline state, and reports inconclusive checks as notifications', () => {
    const report = variant();
    const run = render(report).runs[0]!;
    expect(run.results[0]!.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'legacy table, dropped in Q3', properties: { expires: '2027-01-01' } }]);
    expect(run.results.filter((r) => r.suppressions).length).toBe(1);
    expect(run.results.map((r) => r.baselineState)).toEqual(allFindings(report).map((f) => (f.baseline === 'new' ? 'new' : 'unchanged')));
    const invocation = run.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(true);
    const inconclusive = invocation.toolExecutionNotifications.find((n) => n.associatedRule?.id === 'read-through-function')!;
    expect(inconclusive.level).toBe('error');
    expect(inconclusive.message.text).toContain('permission denied');
    expect(run.tool.driver.rules[inconclusive.associatedRule!.index]!.id).toBe('read-through-function');
    expect(invocation.properties).toMatchObject({ verdict: report.verdict, verdictReason: report.verdictReason, seed: report.seed, failOn: report.failOn });
  });

  it('says an unfinished run did not execute successfully, and why', () => {
    const invocation = render(fixtureReport('empty')).runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications[0]).toMatchObject({ level: 'error', message: { text: expect.stringContaining('initdb failed') } });
    expect(invocation.toolExecutionNotifications.filter((n) => n.message.text.includes('did not run'))).toHaveLength(4);
  });

  it('escapes check text in help Markdown and keeps hostile strings valid', () => {
    const report = structuredClone(fixtureReport('findings'));
    const check = report.results[0]!;
    check.meta = { ...check.meta, remediation: 'Run <script>alert(1)</script> and [click](https://evil.example) *now*', title: 'x"\u0000\u001b' };
    check.findings[0]!.message = 'bad ]]> </x> & "quoted" \u0000 \ud800';
    const log = render(report);
    const markdown = log.runs[0]!.tool.driver.rules[0]!.help.markdown;
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toContain('[click](');
    expect(markdown).toContain('\\<script\\>');
    expect(log.runs[0]!.results[0]!.message.text).toContain('bad ]]> </x> & "quoted"');
  });

  it('writes paths as URIs: relative against %SRCROOT%, absolute as file URIs, encoded', () => {
    expect(artifactLocation('./db/migrations/001 init.sql')).toEqual({ uri: 'db/migrations/001%20init.sql', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('db\\schema.sql')).toEqual({ uri: 'db/schema.sql', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('/srv/app/schema#1.sql')).toEqual({ uri: 'file:///srv/app/schema%231.sql' });
    expect(artifactLocation('C:\\app\\schema.sql')).toEqual({ uri: 'file:///C:/app/schema.sql' });
  });

  it('is pure: the same report gives the same text, and the report is not changed', () => {
    const report = variant();
    const before = JSON.stringify(report);
    expect(renderSarif(report)).toBe(renderSarif(structuredClone(report)));
    expect(JSON.stringify(report)).toBe(before);
  });
});
