import { basename, extname, isAbsolute, resolve } from 'node:path';
import type { Scenario, ScenarioInput, TenancyInput } from './types.ts';

/**
 * The defaults of every optional scenario field, in one place so the README, the loader and
 * code callers agree. Tenancy fields left out stay null: later phases infer them from the
 * catalog and say so in the report.
 */
export const scenarioDefaults = {
  /** Name of a scenario built in code without one. */
  name: 'scenario',
  tenants: 10,
  rowsPerTable: 20,
  backend: 'embedded',
  image: 'postgres:18-alpine',
  runs: 1000,
  timeBudgetSeconds: 30,
  profile: 'short',
  failOn: 'high',
  /** The membership table's tenant column when the subject is a user. */
  membershipTenantColumn: 'tenant_id',
} as const;

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function tenancyOf(input: TenancyInput): Scenario['tenancy'] {
  const role = typeof input.appRole === 'string' ? { name: input.appRole } : input.appRole;
  const subject = input.subject ?? 'tenant';
  return {
    tenantColumns: input.tenantColumns === undefined ? null : list(input.tenantColumns),
    tenantTable: input.tenantTable ?? null,
    // A role given with a password logs in with it; without one the harness can only switch to it.
    appRole: role
      ? { name: role.name, password: role.password ?? null, login: role.login ?? (role.password === undefined ? 'set-role' : 'password') }
      : null,
    context: input.context ? { ...input.context } : null,
    subject:
      subject === 'tenant'
        ? 'tenant'
        : { membershipTable: subject.membershipTable, userColumn: subject.userColumn, tenantColumn: subject.tenantColumn ?? scenarioDefaults.membershipTenantColumn },
  };
}

/**
 * Fills in the defaults of a validated scenario input and makes its paths absolute. `file`
 * names the scenario (its base name) unless `name` is given.
 */
export function applyDefaults(input: ScenarioInput, file: string | null, baseDir: string): Scenario {
  const d = scenarioDefaults;
  const seed = input.seed ?? {};
  const database = input.database ?? {};
  const attacks = input.attacks ?? {};
  const rows = seed.rowsPerTable ?? d.rowsPerTable;
  return {
    name: input.name ?? (file ? basename(file, extname(file)) : d.name),
    file,
    schema: list(input.schema).map((path) => absolute(baseDir, path)),
    tenancy: tenancyOf(input.tenancy ?? {}),
    seed: {
      tenants: seed.tenants ?? d.tenants,
      rowsPerTable: typeof rows === 'number' ? rows : { ...rows },
      seed: seed.seed ?? null,
      sql: list(seed.sql).map((path) => absolute(baseDir, path)),
    },
    database: {
      backend: database.backend ?? d.backend,
      urlEnv: database.urlEnv ?? null,
      disposable: database.disposable ?? false,
      scratch: database.scratch ?? false,
      image: database.image ?? d.image,
    },
    audit: { enabled: input.audit?.enabled ?? true, suppressions: input.audit?.suppressions ?? [] },
    attacks: { enabled: attacks.enabled ?? true, runs: attacks.runs ?? d.runs, timeBudgetSeconds: attacks.timeBudgetSeconds ?? d.timeBudgetSeconds },
    load: { enabled: input.load?.enabled ?? true, profile: input.load?.profile ?? d.profile },
    gates: { failOn: input.gates?.failOn ?? d.failOn },
  };
}
