import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../core/errors.ts';
import { loadScenario, resolveScenario } from './load-scenario.ts';
import type { Scenario } from './types.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const referenceSchema = join(root, 'fixtures/reference/schema.sql');

/** What every form of the shipped reference scenario resolves to, but for `file`. */
const reference: Omit<Scenario, 'file'> = {
  name: 'reference',
  schema: [referenceSchema],
  tenancy: {
    tenantColumns: ['tenant_id'],
    tenantTable: 'public.tenants',
    appRole: { name: 'tenantguard_app', password: 'tenantguard_app', login: 'password' },
    context: { setting: 'app.tenant_id' },
    subject: 'tenant',
  },
  seed: { tenants: 10, rowsPerTable: 20, seed: null, sql: [] },
  database: { backend: 'embedded', urlEnv: null, disposable: false, scratch: false, image: 'postgres:18-alpine' },
  audit: { enabled: true, suppressions: [] },
  attacks: { enabled: true, runs: 1000, timeBudgetSeconds: 30 },
  load: { enabled: true, profile: 'short', budgets: { victimP99Ratio: 2, victimErrorRate: 0.01 } },
  gates: { failOn: 'high' },
  // `http: { reference: true }`: the reference app's own description.
  http: expect.objectContaining({ enabled: true, app: { kind: 'reference' }, health: '/health', reads: ['/reports/summary', '/search/documents?q=tg'] }),
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantguard-scenario-'));
  await mkdir(join(dir, 'sql'));
  await writeFile(join(dir, 'sql/schema.sql'), 'select 1;\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The HarnessError a promise rejects with (fails the test if it resolves). */
async function harnessError(promise: Promise<unknown>): Promise<HarnessError> {
  const error: unknown = await promise.then(
    () => new Error('expected a HarnessError'),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof HarnessError)) throw error;
  return error;
}

describe('loadScenario', () => {
  it.each(['reference.ts', 'reference.json', 'reference.yaml'])('loads the shipped scenarios/%s', async (name) => {
    const file = join(root, 'scenarios', name);
    expect(await loadScenario(file)).toEqual({ ...reference, file });
  });

  it('loads .ts, .mts and .js default exports, also outside an ESM package', async () => {
    const body = "export default { schema: 'sql/schema.sql', seed: { tenants: 3 } };\n";
    for (const name of ['a.ts', 'b.mts', 'c.js']) {
      const scenario = await loadScenario(await write(name, body));
      expect(scenario).toMatchObject({ name: name.split('.')[0], schema: [join(dir, 'sql/schema.sql')], seed: { tenants: 3 } });
    }
  });

  it('applies the defaults to a minimal scenario, named after its file', async () => {
    const file = await write('minimal.json', '{ "schema": "sql/schema.sql" }');
    expect(await loadScenario(file)).toEqual({
      ...reference,
      name: 'minimal',
      file,
      schema: [join(dir, 'sql/schema.sql')],
      tenancy: { tenantColumns: null, tenantTable: null, appRole: null, context: null, subject: 'tenant' },
      http: null,
    });
  });

  it('reports every invalid field of a file in one error that names the file', async () => {
    const file = await write(
      'broken.yaml',
      ['schema: [sql/schema.sql, fixtures/x.sql]', 'tenancy: {}', 'seed:', '  tenants: ten', 'gates:', '  failOn: severe', '  failon: high'].join('\n'),
    );
    const error = await harnessError(loadScenario(file));
    expect(error.code).toBe('scenario-invalid');
    expect(error.message).toBe(`scenario ${file} is invalid (4 problems)`);
    expect(error.problems).toEqual([
      'schema[1]: file not found: fixtures/x.sql',
      'seed.tenants: expected a whole number from 1 to 10000, got "ten"',
      'gates.failOn: expected one of critical, high, medium, low, info, got "severe"',
      'gates.failon: unknown key, did you mean "failOn"?',
    ]);
  });

  it('says which path is missing', async () => {
    const error = await harnessError(loadScenario(join(dir, 'nope.ts')));
    expect(error.code).toBe('scenario-not-found');
    expect(error.message).toBe(`scenario file not found: ${join(dir, 'nope.ts')}`);
    expect(error.exitCode).toBe(3);
  });

  it('reports a YAML syntax error with its line', async () => {
    const file = await write('syntax.yaml', 'schema: sql/schema.sql\nseed: [1, 2\ngates: {}\n');
    const error = await harnessError(loadScenario(file));
    expect(error.code).toBe('scenario-invalid');
    expect(error.message).toMatch(new RegExp(`^scenario ${file}: YAML syntax error at line 3, column 1: `));
    expect(error.problems[0]).toMatch(/^line 3, column 1: /);
  });

  it('reports a JSON syntax error with its line', async () => {
    const file = await write('syntax.json', '{\n  "schema": "sql/schema.sql",\n}\n');
    const error = await harnessError(loadScenario(file));
    expect(error.code).toBe('scenario-invalid');
    expect(error.message).toMatch(/JSON syntax error.*line 3/);
  });

  it('reports a module that cannot be loaded or has no default export', async () => {
    const broken = await harnessError(loadScenario(await write('broken.ts', 'export default {\n')));
    expect(broken.message).toMatch(/^scenario .*broken\.ts: cannot be loaded: /);
    const named = await harnessError(loadScenario(await write('named.mts', "export const scenario = { schema: 'x' };\n")));
    expect(named.message).toMatch(/has no default export/);
  });

  it('rejects an unknown file type', async () => {
    const error = await harnessError(loadScenario(await write('scenario.toml', 'schema = "x"\n')));
    expect(error.message).toMatch(/unsupported file type "\.toml"; use one of \.ts, \.mts, \.js, \.mjs, \.json, \.yaml, \.yml/);
  });
});

describe('resolveScenario', () => {
  it('resolves a scenario built in code against a base folder', () => {
    const scenario = resolveScenario(
      {
        schema: ['sql/schema.sql'],
        tenancy: { appRole: 'authenticated', subject: { membershipTable: 'public.members', userColumn: 'user_id' } },
        seed: { rowsPerTable: { '*': 5 } },
      },
      null,
      dir,
    );
    expect(scenario).toMatchObject({
      name: 'scenario',
      file: null,
      schema: [join(dir, 'sql/schema.sql')],
      tenancy: {
        appRole: { name: 'authenticated', password: null, login: 'set-role' },
        subject: { membershipTable: 'public.members', userColumn: 'user_id', tenantColumn: 'tenant_id' },
      },
      seed: { rowsPerTable: { '*': 5 } },
    });
  });

  it('throws one scenario-invalid error listing the problems', () => {
    let error: unknown;
    try {
      resolveScenario({ schema: 'missing.sql', seed: { tenants: 0 } }, null, dir);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(HarnessError);
    expect(error).toMatchObject({
      code: 'scenario-invalid',
      message: 'the scenario is invalid (2 problems)',
      problems: ['schema: file not found: missing.sql', 'seed.tenants: expected a whole number from 1 to 10000, got 0'],
    });
  });
});
