import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateScenarioInput } from './schema.ts';
import { closestMatch } from './format-issues.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantguard-schema-'));
  await writeFile(join(dir, 'schema.sql'), 'select 1;\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function problemsOf(input: unknown): string[] {
  const result = validateScenarioInput(input, dir);
  if (result.ok) throw new Error('expected the scenario to be invalid');
  return result.problems;
}

describe('validateScenarioInput', () => {
  it('reports every mistake at once, each with its path', () => {
    const problems = problemsOf({
      schema: ['schema.sql', 'fixtures/x.sql'],
      tenancy: { appRol: 'app', context: { setting: 'tenant' } },
      seed: { tenants: 'ten', rowsPerTable: { 'public.invoices': -1 } },
      gates: { failOn: 'severe' },
      attacks: { runs: 0 },
    });
    expect(problems).toEqual([
      'schema[1]: file not found: fixtures/x.sql',
      'tenancy.context.setting: expected a setting name like app.tenant_id, got "tenant"',
      'tenancy.appRol: unknown key, did you mean "appRole"?',
      'seed.tenants: expected a whole number from 1 to 10000, got "ten"',
      'seed.rowsPerTable["public.invoices"]: expected a whole number from 0 to 1000000, got -1',
      'attacks.runs: expected a whole number from 1 to 10000000, got 0',
      'gates.failOn: expected one of critical, high, medium, low, info, got "severe"',
    ]);
  });

  it('says what is required', () => {
    expect(problemsOf({})).toEqual(['schema: required']);
    expect(problemsOf({ schema: 'schema.sql', tenancy: { subject: { userColumn: 'user_id' } } })).toEqual([
      'tenancy.subject.membershipTable: required',
    ]);
    expect(problemsOf({ schema: 'schema.sql', tenancy: { appRole: { name: 'app', login: 'password' } } })).toEqual([
      'tenancy.appRole.password: required when login is "password"',
    ]);
  });

  it('rejects a value that is not a scenario at all', () => {
    expect(problemsOf(null)).toEqual(['scenario: expected an object, got null']);
    expect(problemsOf(['schema.sql'])).toEqual(['scenario: expected an object, got a list']);
  });

  it('checks lists and their entries', () => {
    expect(problemsOf({ schema: [] })).toEqual(['schema: expected at least one file path, got an empty list']);
    expect(problemsOf({ schema: ['schema.sql', 3, ''] })).toEqual([
      'schema[1]: expected a file path, got 3',
      'schema[2]: expected a file path, got ""',
    ]);
    expect(problemsOf({ schema: 'schema.sql', seed: { sql: ['missing.sql'] } })).toEqual(['seed.sql[0]: file not found: missing.sql']);
    expect(problemsOf({ schema: 'schema.sql', tenancy: { tenantColumns: [] } })).toEqual([
      'tenancy.tenantColumns: expected at least one column name, got an empty list',
    ]);
  });

  it('suggests the closest known key, or lists the known keys when none is close', () => {
    expect(problemsOf({ schema: 'schema.sql', tenacy: {} })).toEqual(['tenacy: unknown key, did you mean "tenancy"?']);
    expect(problemsOf({ schema: 'schema.sql', database: { backend: 'url', urlenv: 'DB' } })).toEqual([
      'database.urlenv: unknown key, did you mean "urlEnv"?',
    ]);
    expect(problemsOf({ schema: 'schema.sql', gates: { maxLeaks: 0 } })).toEqual(['gates.maxLeaks: unknown key; known keys: failOn']);
    expect(problemsOf({ schema: 'schema.sql', tenancy: { appRole: { name: 'app', pasword: 'x' } } })).toEqual([
      'tenancy.appRole.pasword: unknown key, did you mean "password"?',
    ]);
  });

  it('never echoes a password or a connection string', () => {
    const problems = problemsOf({
      schema: 'schema.sql',
      tenancy: { appRole: { name: 'app', password: 12345678 } },
      database: { backend: 'url', urlEnv: 'postgres://app:s3cret@db/app' },
    });
    expect(problems).toEqual([
      'tenancy.appRole.password: expected a password, got a number',
      'database.urlEnv: expected the name of an environment variable (not the URL itself), got a string',
    ]);
    expect(problems.join('\n')).not.toMatch(/12345678|s3cret/);
  });

  it('accepts every field in its documented forms', () => {
    const result = validateScenarioInput(
      {
        name: 'full',
        schema: 'schema.sql',
        tenancy: {
          tenantColumns: 'org_id',
          tenantTable: '"My Schema".orgs',
          appRole: 'authenticated',
          context: { statement: "select set_config('request.jwt.claims', json_build_object('sub', $1)::text, true)" },
          subject: { membershipTable: 'public.members', userColumn: 'user_id' },
        },
        seed: { tenants: 3, rowsPerTable: { '*': 5, 'public.events': 0 }, seed: 42, sql: 'schema.sql' },
        database: { backend: 'url', urlEnv: 'DATABASE_URL', disposable: true, scratch: true },
        audit: { enabled: false },
        attacks: { enabled: true, runs: 5, timeBudgetSeconds: 0.5 },
        load: { enabled: false, profile: 'soak' },
        gates: { failOn: 'critical' },
      },
      dir,
    );
    expect(result.ok).toBe(true);
  });
});

describe('closestMatch', () => {
  it('finds near misses, swaps and case slips, and nothing for unrelated words', () => {
    expect(closestMatch('tenats', ['tenants', 'rowsPerTable'])).toBe('tenants');
    expect(closestMatch('shcema', ['schema', 'seed'])).toBe('schema');
    expect(closestMatch('approle', ['appRole'])).toBe('appRole');
    expect(closestMatch('banana', ['schema', 'seed'])).toBeUndefined();
  });
});
