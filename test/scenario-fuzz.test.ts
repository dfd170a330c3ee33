import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HarnessError } from '../src/core/errors.ts';
import { loadScenario, resolveScenario } from '../src/scenario/load-scenario.ts';
import { runCli } from './helpers/cli.ts';

/**
 * Broken scenarios, generated: one breakage (wrong type, missing field, unknown key, number out
 * of range, huge value) applied to a valid scenario that fills every section, fed to the real
 * loader in memory, as JSON and as YAML. Each must fail as a scenario error that names the
 * broken field, quickly, and never as a crash.
 */

const dir = mkdtempSync(join(tmpdir(), 'tenantguard-fuzz-'));
writeFileSync(join(dir, 'schema.sql'), 'select 1;\n');
writeFileSync(join(dir, 'seed.sql'), 'select 1;\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid scenario with every section present, so every level can be broken. */
function base(): Record<string, any> {
  return {
    name: 'fuzz',
    schema: ['schema.sql'],
    tenancy: {
      tenantColumns: ['tenant_id'],
      tenantTable: 'public.tenants',
      appRole: { name: 'app', password: 'pw', login: 'password' },
      context: { setting: 'app.tenant_id' },
      subject: { membershipTable: 'public.members', userColumn: 'user_id' },
    },
    seed: { tenants: 3, rowsPerTable: { '*': 5 }, seed: 42, sql: ['seed.sql'] },
    database: { backend: 'embedded', disposable: false, scratch: false, image: 'postgres:18-alpine' },
    audit: { enabled: true, suppressions: [{ fingerprint: '0123456789abcdef', reason: 'accepted' }] },
    attacks: { enabled: true, runs: 100, timeBudgetSeconds: 5 },
    load: { enabled: false, profile: 'short', budgets: { victimP99Ratio: 2, victimErrorRate: 0.01 } },
    gates: { failOn: 'high' },
    http: {
      start: { command: ['node', 'server.mjs'], env: { LOG_LEVEL: 'info' }, ready: '/health', timeoutSeconds: 30 },
      auth: { kind: 'jwt', secretEnv: 'JWT_SECRET', claims: { tid: '{tenant}' } },
      resources: [{ table: 'public.notes', list: 'GET /api/notes', get: 'GET /api/notes/{id}' }],
    },
  };
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';
type Path = (string | number)[];
/**
 * A breakage: where, and what to do there. Huge values are built when applied, so a failing
 * case prints as `{ megabyte: true }`, not a megabyte; `deep` values are built smaller for
 * files (YAML parsers recurse).
 */
interface Breakage {
  path: Path;
  /** The field the problems must name (the key itself for an unknown key). */
  names: Path;
  value: { set: unknown } | { deep: number } | { megabyte: true } | { list: number; item: unknown } | 'delete';
}

/** Every field, with the kinds of value it accepts (anything else is a wrong type). */
const fields: [Path, Kind[]][] = [
  [['name'], ['string']], [['schema'], ['string', 'array']], [['schema', 0], ['string']],
  [['tenancy'], ['object']], [['tenancy', 'tenantColumns'], ['string', 'array']], [['tenancy', 'tenantTable'], ['string']],
  [['tenancy', 'appRole'], ['string', 'object']], [['tenancy', 'appRole', 'name'], ['string']], [['tenancy', 'appRole', 'password'], ['string']],
  [['tenancy', 'appRole', 'login'], ['string']], [['tenancy', 'context'], ['object']], [['tenancy', 'context', 'setting'], ['string']],
  [['tenancy', 'subject'], ['string', 'object']], [['tenancy', 'subject', 'userColumn'], ['string']],
  [['seed'], ['object']], [['seed', 'tenants'], ['number']], [['seed', 'rowsPerTable'], ['number', 'object']], [['seed', 'rowsPerTable', '*'], ['number']],
  [['seed', 'seed'], ['number']], [['seed', 'sql'], ['string', 'array']],
  [['database'], ['object']], [['database', 'backend'], ['string']], [['database', 'urlEnv'], ['string']], [['database', 'disposable'], ['boolean']],
  [['database', 'scratch'], ['boolean']], [['database', 'image'], ['string']],
  [['audit'], ['object']], [['audit', 'enabled'], ['boolean']], [['audit', 'suppressions'], ['array']], [['audit', 'suppressions', 0, 'fingerprint'], ['string']],
  [['attacks'], ['object']], [['attacks', 'enabled'], ['boolean']], [['attacks', 'runs'], ['number']], [['attacks', 'timeBudgetSeconds'], ['number']],
  [['load'], ['object']], [['load', 'enabled'], ['boolean']], [['load', 'profile'], ['string']], [['load', 'budgets'], ['object']],
  [['load', 'budgets', 'victimP99Ratio'], ['number']], [['load', 'budgets', 'victimErrorRate'], ['number']],
  [['gates'], ['object']], [['gates', 'failOn'], ['string']],
  [['http'], ['object']], [['http', 'enabled'], ['boolean']], [['http', 'start'], ['object']], [['http', 'start', 'command'], ['string', 'array']],
  [['http', 'start', 'env'], ['object']], [['http', 'start', 'env', 'LOG_LEVEL'], ['string', 'number', 'boolean']], [['http', 'start', 'timeoutSeconds'], ['number']],
  [['http', 'auth'], ['object']], [['http', 'auth', 'secretEnv'], ['string']], [['http', 'auth', 'claims'], ['object']],
  [['http', 'resources'], ['array']], [['http', 'resources', 0, 'table'], ['string']], [['http', 'resources', 0, 'list'], ['string', 'object']],
];

/** The objects of the base scenario: where an unknown key can go. */
const at = (path: Path): unknown => path.reduce<any>((value, segment) => value?.[segment], base());
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
const records = ['rowsPerTable', 'env', 'claims']; // keys there are names the user chooses
const levels: Path[] = [[], ['audit', 'suppressions', 0], ['http', 'resources', 0]];
levels.push(...fields.map(([path]) => path).filter((path) => path.length > 0 && isObject(at(path)) && !records.includes(String(path.at(-1)))));

const megabyte = 'x'.repeat(1 << 20);
const bigKey = '<1 MB key>';
const real = (segment: string | number) => (segment === bigKey ? 'k'.repeat(1 << 20) : segment);
const valuesOf: Record<Kind, fc.Arbitrary<Breakage['value']>> = {
  string: fc.oneof({ arbitrary: fc.string().map((set) => ({ set })), weight: 9 }, { arbitrary: fc.constant({ megabyte: true } as const), weight: 1 }),
  number: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308)).map((set) => ({ set })),
  boolean: fc.boolean().map((set) => ({ set })),
  object: fc.oneof(
    { arbitrary: fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }).map((set) => ({ set })), weight: 9 },
    { arbitrary: fc.constant({ deep: 100_000 } as const), weight: 1 },
  ),
  // A 100,000-item list takes seconds as YAML (the parser, not the validator): rare, but there.
  array: fc.oneof(
    { arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }).map((set) => ({ set })), weight: 19 },
    { arbitrary: fc.constant({ list: 100_000, item: 1 }), weight: 1 },
  ),
};
const kinds = Object.keys(valuesOf) as Kind[];

const wrongType = fc.constantFrom(...fields).chain(([path, accepted]) =>
  fc.oneof(fc.constant({ set: null }), ...kinds.filter((k) => !accepted.includes(k)).map((k) => valuesOf[k])).map((value): Breakage => ({ path, names: path, value })),
);

const missing = fc
  .constantFrom<Path>(['schema'], ['tenancy', 'subject', 'membershipTable'], ['tenancy', 'appRole', 'name'], ['audit', 'suppressions', 0, 'fingerprint'], ['audit', 'suppressions', 0, 'reason'], ['http', 'auth'], ['http', 'auth', 'secretEnv'], ['http', 'start', 'command'], ['http', 'resources', 0, 'table'])
  .map((path): Breakage => ({ path, names: path, value: 'delete' }));

/** Keys no level knows, including the ones that reach for a prototype, and a megabyte-long one. */
const strangeKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'tenats', 'Schema', '', ' ', bigKey), fc.string({ minLength: 1, maxLength: 20 }));
const knownKeys = new Set([
  ...fields.map(([path]) => String(path.at(-1))),
  ...'membershipTable tenantColumn kind get create update delete idColumn createdIdField method path body header scheme algorithm expiresInSeconds cwd ready baseUrl reference health reads tenantOverrides expires value query'.split(' '),
]);
const unknownKey = fc
  .tuple(fc.constantFrom(...levels), strangeKey.filter((key) => !knownKeys.has(key)), fc.jsonValue({ maxDepth: 1 }))
  .map(([level, key, set]): Breakage => ({ path: [...level, key], names: [...level, key], value: { set: set ?? null } }));

const outOfRange = fc.oneof(
  ...(
    [
      [['seed', 'tenants'], fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10_001 }), fc.double({ min: 1.01, max: 2.99, noNaN: true }))],
      [['seed', 'seed'], fc.oneof(fc.integer({ max: -1 }), fc.double({ min: 2 ** 31, noNaN: true }))],
      [['seed', 'rowsPerTable'], fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 1_000_001 }))],
      [['attacks', 'runs'], fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10_000_001 }))],
      [['attacks', 'timeBudgetSeconds'], fc.oneof(fc.double({ max: 0, noNaN: true }), fc.double({ min: 86_401, noNaN: true }))],
      [['load', 'budgets', 'victimP99Ratio'], fc.oneof(fc.double({ max: 1, noNaN: true }), fc.double({ min: 1000.5, noNaN: true }))],
      [['load', 'budgets', 'victimErrorRate'], fc.oneof(fc.double({ max: 0, noNaN: true }), fc.double({ min: 1.01, noNaN: true }))],
      [['http', 'start', 'timeoutSeconds'], fc.oneof(fc.double({ max: 0, noNaN: true }), fc.double({ min: 601, noNaN: true }))],
    ] as [Path, fc.Arbitrary<number>][]
  ).map(([path, numbers]) => numbers.map((set): Breakage => ({ path, names: path, value: { set } }))),
);

/** Huge values where something small is expected: the first bad item of a 100,000-item list is named. */
const huge = fc.constantFrom<Breakage>(
  { path: ['name'], names: ['name'], value: { megabyte: true } },
  { path: ['schema'], names: ['schema', 0], value: { list: 100_000, item: 7 } },
  { path: ['seed', 'sql'], names: ['seed', 'sql', 0], value: { list: 100_000, item: null } },
  { path: ['tenancy', 'tenantTable'], names: ['tenancy', 'tenantTable'], value: { megabyte: true } },
  { path: ['http', 'resources', 0, 'list'], names: ['http', 'resources', 0, 'list'], value: { deep: 100_000 } },
  { path: ['seed', 'rowsPerTable'], names: ['seed', 'rowsPerTable', '__proto__'], value: { set: JSON.parse('{"__proto__": 5}') } },
);

const breakage = fc.oneof({ arbitrary: wrongType, weight: 4 }, { arbitrary: missing, weight: 2 }, { arbitrary: unknownKey, weight: 4 }, { arbitrary: outOfRange, weight: 3 }, { arbitrary: huge, weight: 1 });

function deep(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** The base scenario with `b` applied; `where` decides how deep a nested value goes. */
function broken(b: Breakage, where: 'memory' | 'file'): unknown {
  const scenario = base();
  let parent: any = scenario;
  for (const segment of b.path.slice(0, -1)) parent = parent[segment];
  const key = real(b.path.at(-1)!);
  if (b.value === 'delete') delete parent[key];
  else {
    const v = b.value;
    const value = 'set' in v ? v.set : 'megabyte' in v ? megabyte : 'list' in v ? Array.from({ length: v.list }, () => v.item) : deep(where === 'memory' ? v.deep : 300);
    // An own property even for `__proto__`, as JSON.parse and YAML make it.
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return scenario;
}

/** How a path is written in a problem (keys cut at 60 characters): an independent statement of the format. */
function written(path: Path): string {
  let text = '';
  for (const segment of path.map(real)) {
    const key = String(segment).length > 60 ? `${String(segment).slice(0, 57)}...` : String(segment);
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text || 'scenario';
}

/** The error a load gave: a scenario HarnessError naming `b`'s field, in a message of sane size. */
function expectNamed(error: unknown, b: Breakage): void {
  if (!(error instanceof HarnessError)) throw new Error(`expected a HarnessError, got ${String(error)}`, { cause: error });
  expect(['scenario-invalid', 'usage']).toContain(error.code);
  const field = written(b.names);
  const named = error.problems.some((line) => line.startsWith(`${field}: `) || line.startsWith(`${field}.`) || line.startsWith(`${field}[`));
  if (!named) throw new Error(`no problem names ${field}:\n${error.message}\n${error.problems.join('\n')}`);
  const text = [error.message, ...error.problems, error.hint ?? ''].join('\n');
  expect(text).not.toMatch(/\n\s+at /);
  expect(text.length).toBeLessThan(20_000);
}

async function failure(load: () => unknown): Promise<unknown> {
  try {
    await load();
  } catch (error) {
    return error;
  }
  return new Error('the broken scenario was accepted');
}

let file = 0;
const seconds = (began: number) => (performance.now() - began) / 1000;

describe('scenario fuzzing', () => {
  it('the base scenario is valid, so each breakage is what the loader refuses', () => {
    expect(resolveScenario(base(), null, dir).name).toBe('fuzz');
  });

  it('refuses every broken scenario, in memory, as JSON and as YAML, naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(breakage, async (b) => {
        const began = performance.now();
        expectNamed(await failure(() => resolveScenario(broken(b, 'memory'), null, dir)), b);
        const input = broken(b, 'file');
        const json = join(dir, `case-${++file}.json`);
        writeFileSync(json, JSON.stringify(input));
        expectNamed(await failure(() => loadScenario(json)), b);
        const yaml = join(dir, `case-${file}.yaml`);
        writeFileSync(yaml, stringify(input));
        expectNamed(await failure(() => loadScenario(yaml)), b);
        // Generous: it was 16 s for one megabyte-long key before the edit distance skipped it.
        expect(seconds(began)).toBeLessThan(10);
      }),
      { seed: 20_260_808, numRuns: 300 },
    );
  }, 300_000);
});

describe('broken scenarios through the CLI', () => {
  const cases: [string, string, RegExp][] = [
    ['wrong-type.json', JSON.stringify({ schema: 'schema.sql', seed: { tenants: 'ten' } }), /seed\.tenants: expected a whole number/],
    ['unknown-key.yaml', 'schema: schema.sql\nhttp:\n  reference: true\n  helth: /health\n', /http\.helth: unknown key, did you mean "health"\?/],
    ['prototype.json', '{ "schema": "schema.sql", "seed": { "rowsPerTable": { "__proto__": { "polluted": 1 } } } }', /seed\.rowsPerTable\.__proto__: not allowed as a key/],
    ['huge-list.json', JSON.stringify({ schema: Array.from({ length: 100_000 }, () => 1) }), /schema\[0\]: expected a file path, got 1[\s\S]*and 99950 more invalid fields/],
    ['alias-bomb.yaml', ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`), 'schema: schema.sql'].join('\n'), /YAML cannot be read: .*alias/],
  ];
  it.each(cases)('%s: exit 3, the field named, no stack trace, nothing started', async (name, text, names) => {
    writeFileSync(join(dir, name), text);
    const result = await runCli(['run', join(dir, name), '--out', join(dir, `out-${name}`)]);
    expect(result.stderr).toMatch(names);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toMatch(/▸ start/);
    expect(result.stderr.length).toBeLessThan(20_000);
  });
});
