import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type AnySchemaObject, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/core/check.ts';
import { fingerprintOf } from '../src/core/fingerprint.ts';
import { reportSchemaVersion, type Report, type ReportAccessMatrix } from '../src/core/report.ts';
import { applyBaseline, baselineFromReport } from '../src/report/baseline.ts';
import { buildReport } from '../src/report/build-report.ts';
import { fixtureReport, fixtureReportNames } from './helpers/golden.ts';

// schema/report.schema.json is the published contract of report.json. These tests keep it
// honest both ways: real reports validate, broken ones do not, and every property of the
// Report type (src/core/report.ts, src/core/check.ts) is described with the same optionality,
// so a field added to the type without the schema (or the reverse) fails here.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(join(root, 'schema', 'report.schema.json'), 'utf8')) as AnySchemaObject;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile<Report>(schema);

function errorsOf(report: unknown): ErrorObject[] {
  return validate(report) ? [] : (validate.errors ?? []);
}

const clone = <T>(value: T): T => structuredClone(value);

/** A report from the real builder: one audit check with a finding, as small as the builder allows. */
function builtReport(): Report {
  const subject = { schema: 'public', table: 'notes' };
  const result: CheckResult = {
    meta: { id: 'rls-disabled', kind: 'audit', title: 'RLS disabled', description: 'd', severity: 'critical', remediation: 'r' },
    verdict: 'fail',
    durationMs: 1.5,
    findings: [
      {
        checkId: 'rls-disabled',
        severity: 'critical',
        message: 'table public.notes has row-level security disabled',
        subject,
        fingerprint: fingerprintOf('rls-disabled', subject),
        location: { file: 'db/schema.sql', line: 3, column: 14 },
      },
    ],
  };
  return buildReport({
    tool: { name: 'tenantguard', version: '0.0.0' },
    scenario: { name: 'minimal', file: null },
    seed: 1,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:00:02Z'),
    complete: true,
    target: null,
    tenancy: null,
    manifest: null,
    timings: { audit: 3 },
    phases: [{ phase: 'audit', status: 'ran' }],
    results: [result],
    failOn: 'high',
  });
}

describe('schema/report.schema.json', () => {
  it('is a valid draft 2020-12 schema pinned to the current layout version', () => {
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).toMatch(/\S/);
    expect(schema['title']).toMatch(/\S/);
    expect(schema['description']).toMatch(/\S/);
    expect(schema['properties'].schemaVersion.const).toBe(reportSchemaVersion);
  });

  it.each(fixtureReportNames)('accepts the %s fixture report', (name) => {
    expect(errorsOf(fixtureReport(name))).toEqual([]);
  });

  it('accepts a report from buildReport', () => {
    const report = builtReport();
    expect(report.verdict).toBe('fail');
    expect(errorsOf(report)).toEqual([]);
  });

  it('accepts a report compared with a baseline: new, existing and fixed findings', () => {
    const report = fixtureReport('findings');
    const baseline = baselineFromReport(report, new Date('2026-01-01T00:00:00Z'));
    const [gone, dropped, ...kept] = baseline.findings;
    // The baseline lacks `dropped` (new) and holds `gone` under another fingerprint (fixed, and `gone` new); the rest exist.
    const findings = [...kept, { ...gone!, fingerprint: '0123456789abcdef' }];
    const compared = applyBaseline(report, { ...baseline, findings }, 'reports/baseline.json');
    expect(dropped).toBeDefined();
    expect(compared.baseline?.counts).toEqual({ new: 2, existing: kept.length, fixed: 1 });
    expect(errorsOf(compared)).toEqual([]);
  });

  it('accepts an access matrix of every outcome', () => {
    const accessMatrix: ReportAccessMatrix = {
      tenants: [{ index: 0, id: 't0' }, { index: 1, id: 't1' }],
      relations: ['public.notes'],
      operations: ['select', 'insert', 'update', 'delete'],
      cells: [
        { tenant: 0, relation: 'public.notes', operation: 'select', outcome: 'leaked', detail: 'read 3 rows of tenant #1' },
        { tenant: 0, relation: 'public.notes', operation: 'insert', outcome: 'allowed' },
        { tenant: 1, relation: 'public.notes', operation: 'update', outcome: 'blocked' },
        { tenant: 1, relation: 'public.notes', operation: 'delete', outcome: 'not-tested', detail: 'no seeded row to aim at' },
      ],
    };
    expect(errorsOf({ ...builtReport(), accessMatrix })).toEqual([]);
    const wrong = { ...accessMatrix, cells: [{ ...accessMatrix.cells[0]!, outcome: 'maybe' }] };
    expect(errorsOf({ ...builtReport(), accessMatrix: wrong })).toContainEqual(expect.objectContaining({ instancePath: '/accessMatrix/cells/0/outcome', keyword: 'enum' }));
  });

  it('rejects an unknown top-level field', () => {
    const report = { ...fixtureReport('passing'), surprise: true };
    expect(errorsOf(report)).toContainEqual(expect.objectContaining({ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'surprise' } }));
  });

  it('rejects a verdict outside pass, fail, inconclusive', () => {
    const report = { ...fixtureReport('passing'), verdict: 'passed' };
    expect(errorsOf(report)).toContainEqual(expect.objectContaining({ instancePath: '/verdict', keyword: 'enum' }));
  });

  it('rejects a finding without a fingerprint, or with an undocumented field', () => {
    const report = clone(fixtureReport('findings'));
    const index = report.results.findIndex((r) => r.findings.length > 0);
    const finding = report.results[index]!.findings[0]! as unknown as Record<string, unknown>;
    delete finding['fingerprint'];
    finding['cvss'] = 9.1;
    const errors = errorsOf(report);
    const at = `/results/${index}/findings/0`;
    expect(errors).toContainEqual(expect.objectContaining({ instancePath: at, keyword: 'required', params: { missingProperty: 'fingerprint' } }));
    expect(errors).toContainEqual(expect.objectContaining({ instancePath: at, keyword: 'additionalProperties', params: { additionalProperty: 'cvss' } }));
  });

  it('rejects another layout version, a bad severity and a missing required section', () => {
    expect(errorsOf({ ...fixtureReport('empty'), schemaVersion: reportSchemaVersion + 1 })).toContainEqual(expect.objectContaining({ instancePath: '/schemaVersion', keyword: 'const' }));
    expect(errorsOf({ ...fixtureReport('empty'), failOn: 'severe' })).toContainEqual(expect.objectContaining({ instancePath: '/failOn', keyword: 'enum' }));
    const { counts: _counts, ...withoutCounts } = fixtureReport('empty');
    expect(errorsOf(withoutCounts)).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'counts' } }));
  });

  it('names every top-level key real reports carry, and requires only keys they always carry', () => {
    const properties = Object.keys(schema['properties'] as object);
    const required = schema['required'] as string[];
    for (const report of [fixtureReport('passing'), fixtureReport('empty'), builtReport()]) {
      for (const key of Object.keys(report)) expect(properties, `schema lacks report key ${key}`).toContain(key);
      for (const key of required) expect(Object.keys(report), `required ${key} missing from a real report`).toContain(key);
    }
  });
});

describe('the schema and the Report type agree', () => {
  const interfaces = parseInterfaces(['src/core/report.ts', 'src/core/check.ts'].map((file) => readFileSync(join(root, file), 'utf8')).join('\n'));

  it('parses the type sources (guards the comparison below against a parser that finds nothing)', () => {
    expect(interfaces.get('Report')?.map((m) => m.name)).toEqual(expect.arrayContaining(['schemaVersion', 'results', 'verdict', 'load', 'baseline']));
    expect(interfaces.get('Finding')?.find((m) => m.name === 'fingerprint')?.optional).toBe(false);
  });

  it('describes every property of Report, at every level, with the same optionality', () => {
    const mismatches: string[] = [];
    compareMembers(interfaces.get('Report')!, schema, 'Report', interfaces, mismatches);
    expect(mismatches).toEqual([]);
  });
});

/** One member of a TypeScript interface or inline object type. */
interface Member {
  name: string;
  optional: boolean;
  type: string;
}

/** The exported interfaces of TypeScript source: name → members (comments stripped). */
function parseInterfaces(source: string): Map<string, Member[]> {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const found = new Map<string, Member[]>();
  for (const match of text.matchAll(/export interface (\w+)(?: extends [^{]+)? \{/g)) {
    const open = match.index + match[0].length - 1;
    found.set(match[1]!, parseMembers(text.slice(open + 1, closingBrace(text, open))));
  }
  return found;
}

/** Index of the brace that closes the one at `open`. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unbalanced braces from ${open}`);
}

/** Members of an object type body: split on `;` (or a line end) outside brackets. */
function parseMembers(body: string): Member[] {
  const members: Member[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '(' || c === '[' || c === '<') depth++;
    else if (c === '}' || c === ')' || c === ']' || c === '>') depth--;
    else if (i === body.length || (depth === 0 && c === ';')) {
      const match = /^\s*(?:readonly\s+)?(\w+)(\?)?\s*:\s*([\s\S]+?)\s*$/.exec(body.slice(start, i));
      if (match) members.push({ name: match[1]!, optional: match[2] === '?', type: match[3]! });
      start = i + 1;
    }
  }
  return members;
}

/** The object schema a property's schema stands for: through $ref, arrays and `oneOf` with null. */
function objectSchema(node: AnySchemaObject | undefined): AnySchemaObject | undefined {
  if (!node) return undefined;
  if (typeof node['$ref'] === 'string') return objectSchema(schema['$defs'][(node['$ref'] as string).replace('#/$defs/', '')]);
  if (node['properties']) return node;
  if (node['items']) return objectSchema(node['items']);
  for (const branch of (node['oneOf'] ?? []) as AnySchemaObject[]) {
    const object = objectSchema(branch);
    if (object) return object;
  }
  return undefined;
}

/** Records every difference in property names or optionality, recursing into inline types and named interfaces. */
function compareMembers(members: Member[], node: AnySchemaObject, path: string, interfaces: Map<string, Member[]>, out: string[]): void {
  const properties = Object.keys(node['properties'] ?? {}).sort();
  const names = members.map((m) => m.name).sort();
  if (JSON.stringify(properties) !== JSON.stringify(names)) out.push(`${path}: type has [${names}], schema has [${properties}]`);
  const required = [...((node['required'] ?? []) as string[])].sort();
  const mandatory = members.filter((m) => !m.optional).map((m) => m.name).sort();
  if (JSON.stringify(required) !== JSON.stringify(mandatory)) out.push(`${path}: type requires [${mandatory}], schema requires [${required}]`);
  if (node['additionalProperties'] !== false) out.push(`${path}: schema is open (additionalProperties is not false)`);
  for (const member of members) {
    const nested = member.type.startsWith('{')
      ? parseMembers(member.type.slice(1, closingBrace(member.type, 0)))
      : interfaces.get(/^\w+/.exec(member.type)?.[0] ?? '');
    if (!nested) continue;
    const sub = objectSchema(node['properties']?.[member.name]);
    if (sub) compareMembers(nested, sub, `${path}.${member.name}`, interfaces, out);
    else out.push(`${path}.${member.name}: no object schema for ${member.type.slice(0, 40)}`);
  }
}
